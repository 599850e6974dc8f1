import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EventBus } from '../bus.js';
import { LANGUAGES, type InquiryRecord, type Store } from '../store/index.js';

export const newInquirySchema = z.strictObject({
  // Requests for an agent go through the call queue; this records questions for the bot.
  kind: z.literal('question'),
  text: z.string().trim().max(500).default(''),
  lang: z.enum(LANGUAGES),
});

export type NewInquiry = z.output<typeof newInquirySchema>;

/** What customers asked at the kiosks: a typed or picked question, or a request for an agent. */
export class Inquiries {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
  ) {}

  async record(kioskId: string, input: NewInquiry): Promise<InquiryRecord> {
    const inquiry: InquiryRecord = { id: randomUUID(), kioskId, kind: input.kind, text: input.text, lang: input.lang, createdAt: new Date().toISOString() };
    await this.store.update((d) => {
      d.inquiries.push(inquiry);
    });
    this.bus.emit('kiosk.inquiry', { inquiryId: inquiry.id, kioskId, kind: inquiry.kind, lang: inquiry.lang, at: inquiry.createdAt });
    return inquiry;
  }
}
