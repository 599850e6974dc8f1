export { MediaWorkers } from './workers.js';
export type { MediaHealth, MediaWorkersOptions, WorkerStatus } from './workers.js';
export { CallMedia, CallMediaError, MEDIA_CODECS, otherRole } from './call-media.js';
export type { ConsumerInfo, MediaKind, PeerRole, RtcSettings, TransportInfo } from './call-media.js';
export { CallRecorder, pruneRecordings } from './recorder.js';
export { tapProducer } from './tap.js';
export type { MediaTap, TapFormat, TapFrame } from './tap.js';
