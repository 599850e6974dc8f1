import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { BusEvents, EventBus } from '../bus.js';
import { tapProducer, type MediaKind, type PeerRole } from '../media/index.js';
import type { CallRecord } from '../store/index.js';
import { FaceAnalyser } from './face.js';
import type { EmotionSensing } from './hub.js';
import { conversationStats, FRAME_MS, VoiceAnalyser } from './voice.js';

/** The voice tap's audio: what pitch tracking needs and little more. */
const VOICE_SAMPLE_RATE = 16_000;
const VOICE_TAP_FRAME_MS = 100;
/** Face analysis frames: the detector works on 256 px anyway; this keeps decoding cheap. */
const FACE_WIDTH = 320;
const FACE_HEIGHT = 240;

/** What the analysis needs of the calls: their records and the media of those going on. */
export interface AnalysedCalls {
  record(callId: string): Pick<CallRecord, 'kioskId' | 'sessionId' | 'answeredAt'> | null;
  producerOf(callId: string, role: PeerRole, kind: MediaKind): { router: types.Router; producer: types.Producer } | null;
}

export interface CallAnalysisOptions {
  /** Camera frames analysed per second; 0 switches face analysis off. */
  faceFps: number;
}

interface Voice {
  analyser: VoiceAnalyser;
  startedAt: number;
}

/**
 * Analyses the media of calls on the appliance as it arrives: the customer's face and voice become
 * emotion signals, and both sides' voice activity the call's talk statistics. Only scores and events
 * are kept, never the media.
 */
export class CallAnalysis {
  /** Loaded at the first call that needs it: the models take a moment and most of a process's life has no call. */
  private faces: Promise<FaceAnalyser> | null = null;
  private readonly voices = new Map<string, Partial<Record<PeerRole, Voice>>>();
  private readonly unsubscribe: (() => void)[];

  constructor(
    bus: EventBus,
    private readonly sensing: EmotionSensing,
    private readonly calls: AnalysedCalls,
    private readonly analysisEnabled: (kioskId: string) => boolean,
    private readonly options: CallAnalysisOptions,
    private readonly log: Logger,
  ) {
    this.unsubscribe = [
      bus.on('call.producer', (e) => (e.kind === 'video' ? this.tapFace(e) : this.tapVoice(e))),
      bus.on('call.ended', (e) => this.keepTalkStats(e)),
    ];
  }

  /** A tap runs many times a second: its first failure in a call is logged, the rest only counted. */
  private tapFailed(callId: string, analysis: string): (err: Error, failures: number) => void {
    return (err, failures) => {
      if (failures === 1) this.log.warn({ callId, analysis, err: err.message }, 'analysis of a frame failed; later failures in this call are not logged');
    };
  }

  private tapFace({ callId, role }: BusEvents['call.producer']): void {
    const record = this.calls.record(callId);
    if (role !== 'customer' || this.options.faceFps === 0 || !record || !this.analysisEnabled(record.kioskId)) return;
    const source = this.calls.producerOf(callId, 'customer', 'video');
    if (!source) return;
    const ref = { sessionId: record.sessionId ?? callId, callId, kioskId: record.kioskId };
    this.faces ??= FaceAnalyser.create();
    // The tap drops frames while the analyser is busy, so the rate falls with the CPU and never lags.
    this.faces
      .then((face) =>
        tapProducer(source.router, source.producer, { kind: 'video', fps: this.options.faceFps, width: FACE_WIDTH, height: FACE_HEIGHT }, async (frame) => {
          await this.sensing.onFace(ref, await face.analyse(frame.data, FACE_WIDTH, FACE_HEIGHT), frame.at);
        }, this.tapFailed(callId, 'face')),
      )
      .catch((err: Error) => this.log.warn({ callId, err: err.message }, 'face analysis could not start'));
  }

  /** Both sides' voice activity gives the call's talk statistics; the customer's voice is also analysed. */
  private tapVoice({ callId, role }: BusEvents['call.producer']): void {
    const record = this.calls.record(callId);
    if (!record || !this.analysisEnabled(record.kioskId)) return;
    const source = this.calls.producerOf(callId, role, 'audio');
    if (!source) return;
    const voice: Voice = { analyser: new VoiceAnalyser(VOICE_SAMPLE_RATE), startedAt: Date.now() };
    this.voices.set(callId, { ...this.voices.get(callId), [role]: voice });
    const ref = { sessionId: record.sessionId ?? callId, callId, kioskId: record.kioskId };
    tapProducer(source.router, source.producer, { kind: 'audio', sampleRate: VOICE_SAMPLE_RATE, frameMs: VOICE_TAP_FRAME_MS }, async (frame) => {
      // Time without audio (muted, or frames dropped while the analyser was busy) is silence.
      const utterances = [...voice.analyser.advanceTo(Date.now() - voice.startedAt - VOICE_TAP_FRAME_MS), ...voice.analyser.pushPcm(frame.data)];
      if (role === 'customer') for (const utterance of utterances) await this.sensing.onUtterance(ref, utterance);
    }, this.tapFailed(callId, 'voice')).catch((err: Error) => this.log.warn({ callId, err: err.message }, 'voice analysis could not start'));
  }

  private keepTalkStats({ callId, sessionId, at }: BusEvents['call.ended']): void {
    const sides = this.voices.get(callId);
    this.voices.delete(callId);
    if (!sides?.customer || !sides.agent) return;
    // The statistics cover the call from its answer to its end on the wall clock: the taps start a
    // moment after the answer, at different moments, and stop hearing anything when a side mutes.
    const end = Date.parse(at);
    const answeredAt = this.calls.record(callId)?.answeredAt;
    const start = Math.min(answeredAt ? Date.parse(answeredAt) : Infinity, sides.customer.startedAt, sides.agent.startedAt);
    const align = (side: Voice) => {
      side.analyser.advanceTo(end - side.startedAt);
      return [...new Array<boolean>(Math.max(0, Math.round((side.startedAt - start) / FRAME_MS))).fill(false), ...side.analyser.speechFlags];
    };
    const stats = conversationStats(align(sides.customer), align(sides.agent));
    this.sensing.recordCallStats(callId, sessionId, stats).catch((err: Error) => this.log.error({ err: err.message }, 'could not keep call talk statistics'));
  }

  /** Stops listening for calls and unloads the face models. */
  async close(): Promise<void> {
    for (const off of this.unsubscribe) off();
    const faces = this.faces;
    this.faces = null;
    if (faces) (await faces.catch(() => null))?.close();
  }
}
