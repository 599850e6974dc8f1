export { Presence, PRESENCE_STATES } from './presence.js';
export type { AgentPresence, PresenceState } from './presence.js';
export { Inquiries, newInquirySchema } from './inquiries.js';
export type { NewInquiry } from './inquiries.js';
