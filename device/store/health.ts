export interface StoreHealth {
  up: boolean;
  detail: string;
}
