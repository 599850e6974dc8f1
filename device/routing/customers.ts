import { createHmac, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { IDENTIFY_METHODS, newCustomerSchema } from '../../protocol/api/index.js';
import type { CustomerRecord, CustomerTier, Store } from '../store/index.js';

export { IDENTIFY_METHODS, identifySchema, newCustomerSchema } from '../../protocol/api/index.js';
export type IdentifyMethod = (typeof IDENTIFY_METHODS)[number];

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
