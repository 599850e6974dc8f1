import { createHmac, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CUSTOMER_TIERS, type CustomerRecord, type CustomerTier, type Store } from '../store/index.js';

export const IDENTIFY_METHODS = ['card', 'phone'] as const;
export type IdentifyMethod = (typeof IDENTIFY_METHODS)[number];

const digits = (value: string) => value.replace(/[\s-]/g, '');
const cardNumber = z.string().trim().max(40).transform(digits).pipe(z.string().regex(/^\d{12,19}$/, 'a card number has 12 to 19 digits'));
const phoneNumber = z.string().trim().max(40).transform((v) => digits(v).replace(/^\+/, '')).pipe(z.string().regex(/^\d{6,15}$/, 'a phone number has 6 to 15 digits'));

export const identifySchema = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('card'), value: cardNumber }),
  z.strictObject({ method: z.literal('phone'), value: phoneNumber }),
]);

export const newCustomerSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    tier: z.enum(CUSTOMER_TIERS),
    cardNumber: cardNumber.optional(),
    phone: phoneNumber.optional(),
  })
  .refine((c) => c.cardNumber !== undefined || c.phone !== undefined, { message: 'give a card number or a phone number' });

export type NewCustomer = z.output<typeof newCustomerSchema>;

export interface CustomerView {
  id: string;
  name: string;
  tier: CustomerTier;
  cardLast4: string | null;
  phoneLast4: string | null;
}

export class CustomerError extends Error {
  constructor(
    message: string,
    readonly statusCode: 404 | 409,
  ) {
    super(message);
  }
}

/**
 * The local customer table the kiosk identifies against. Numbers are stored as HMACs under a key of
 * this appliance, so the table is useless to whoever copies it off the box.
 */
export class Customers {
  constructor(private readonly store: Store) {}

  private key(method: IdentifyMethod, value: string): string {
    const secret = this.store.read((d) => d.customerLookupKey);
    return createHmac('sha256', secret).update(`${method}:${value}`).digest('base64url');
  }

  lookup(method: IdentifyMethod, value: string): CustomerView | null {
    const hash = this.key(method, value);
    const found = this.store.read((d) => d.customers.find((c) => (method === 'card' ? c.cardHash : c.phoneHash) === hash));
    return found ? view(found) : null;
  }

  list(): CustomerView[] {
    return this.store.read((d) => d.customers.map(view));
  }

  async add(input: NewCustomer): Promise<CustomerView> {
    const cardHash = input.cardNumber ? this.key('card', input.cardNumber) : null;
    const phoneHash = input.phone ? this.key('phone', input.phone) : null;
    const record: CustomerRecord = {
      id: randomUUID(),
      name: input.name,
      tier: input.tier,
      cardHash,
      cardLast4: input.cardNumber?.slice(-4) ?? null,
      phoneHash,
      phoneLast4: input.phone?.slice(-4) ?? null,
      createdAt: new Date().toISOString(),
    };
    await this.store.update((d) => {
      if (d.customers.some((c) => (cardHash && c.cardHash === cardHash) || (phoneHash && c.phoneHash === phoneHash))) {
        throw new CustomerError('a customer with this card or phone number exists', 409);
      }
      d.customers.push(record);
    });
    return view(record);
  }

  async remove(id: string): Promise<void> {
    await this.store.update((d) => {
      const index = d.customers.findIndex((c) => c.id === id);
      if (index < 0) throw new CustomerError('no such customer', 404);
      d.customers.splice(index, 1);
    });
  }
}

function view(record: CustomerRecord): CustomerView {
  return { id: record.id, name: record.name, tier: record.tier, cardLast4: record.cardLast4, phoneLast4: record.phoneLast4 };
}
