import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Customers, CustomerView, IdentifyMethod } from './customers.js';
import { RoutingError } from './errors.js';

/** Unknown card or phone numbers a kiosk may try in a window before look-ups pause: no guessing numbers. */
const LOOKUP_FAILURES_PER_KIOSK = 10;
const LOOKUP_WINDOW_SECONDS = 600;

/** Recognises a kiosk's customer by card or phone number in the customer table. */
export class CustomerIdentification {
  private readonly failedLookups = new RateLimiterMemory({ points: LOOKUP_FAILURES_PER_KIOSK, duration: LOOKUP_WINDOW_SECONDS });

  constructor(private readonly customers: Customers) {}

  /** The customer with that number, or null; a kiosk that has tried too many unknown numbers is refused for a while. */
  async identify(kioskId: string, method: IdentifyMethod, value: string): Promise<CustomerView | null> {
    const failures = await this.failedLookups.get(kioskId);
    if (failures && failures.remainingPoints <= 0) {
      throw new RoutingError('too many unknown numbers from this kiosk; try again later', 429, Math.ceil(failures.msBeforeNext / 1000));
    }
    const customer = this.customers.lookup(method, value);
    if (!customer) await this.failedLookups.penalty(kioskId, 1);
    return customer;
  }
}
