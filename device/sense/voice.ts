/**
 * Voice analysis of one speaker's mono PCM: energy-based voice activity detection, then per utterance
 * the pitch (F0, autocorrelation), loudness, a speaking-rate proxy (syllable nuclei in the loudness
 * envelope) and their variability, compared with the same speaker's first utterances. Everything here
 * is arithmetic on the samples: no model, nothing leaves the appliance.
 */

export const FRAME_MS = 20;
const MIN_F0 = 70;
const MAX_F0 = 400;
const VOICED_CORRELATION = 0.5;
/** Speech is this many dB above the running noise floor. */
const SPEECH_ABOVE_FLOOR_DB = 12;
const HANGOVER_FRAMES = 10;
const MIN_UTTERANCE_MS = 300;
const BASELINE_UTTERANCES = 2;

export interface Utterance {
  startMs: number;
  endMs: number;
  f0Mean: number;
  f0Std: number;
  energyDb: number;
  energyStd: number;
  /** Syllable nuclei per second. */
  rate: number;
  /** 0 calm to 1 agitated, against the speaker's own first utterances; null while those are collected. */
  agitation: number | null;
  /** Agitation is high and rose quickly since the previous utterance. */
  warning: boolean;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const std = (xs: readonly number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};
const clamp = (x: number, lo = 0, hi = 1) => Math.min(hi, Math.max(lo, x));

/** The fundamental frequency of a window, or null when it is not voiced. */
export function estimatePitch(samples: Float32Array, sampleRate: number): number | null {
  const minLag = Math.floor(sampleRate / MAX_F0);
  const maxLag = Math.min(Math.ceil(sampleRate / MIN_F0), samples.length - 1);
  let energy = 0;
  for (const s of samples) energy += s * s;
  if (energy === 0) return null;
  let bestLag = 0;
  let best = 0;
  for (let lag = minLag; lag <= maxLag; lag++) {
    let sum = 0;
    let norm = 0;
    for (let i = 0; i + lag < samples.length; i++) {
      sum += samples[i]! * samples[i + lag]!;
      norm += samples[i + lag]! * samples[i + lag]!;
    }
    const r = sum / Math.sqrt(energy * norm || 1);
    if (r > best) {
      best = r;
      bestLag = lag;
    }
  }
  return best >= VOICED_CORRELATION && bestLag > 0 ? sampleRate / bestLag : null;
}

interface Frame {
  atMs: number;
  db: number;
  pitch: number | null;
}

/**
 * Streams one speaker's audio in 20 ms frames and returns each utterance when it ends. Keeps the
 * per-frame speech flags for talk, silence and overlap statistics.
 */
export class VoiceAnalyser {
  readonly speechFlags: boolean[] = [];
  private readonly frameSamples: number;
  private readonly pending: number[] = [];
  private noiseFloorDb = -60;
  private quietFrames = 0;
  private current: Frame[] = [];
  private history: Float32Array = new Float32Array(0);
  private readonly baseline: Utterance[] = [];
  private lastAgitation: number | null = null;

  constructor(private readonly sampleRate = 16_000) {
    this.frameSamples = (sampleRate * FRAME_MS) / 1000;
  }

  /** Signed 16-bit little-endian mono samples, as a media tap delivers them. */
  pushPcm(pcm: Buffer): Utterance[] {
    const done: Utterance[] = [];
    for (let i = 0; i + 1 < pcm.length; i += 2) {
      this.pending.push(pcm.readInt16LE(i) / 32768);
      if (this.pending.length === this.frameSamples) {
        const utterance = this.frame(Float32Array.from(this.pending.splice(0)));
        if (utterance) done.push(utterance);
      }
    }
    return done;
  }

  /**
   * Moves the stream's clock to `atMs` with silence where no audio came: a paused microphone sends
   * nothing, and a busy analyser drops frames. The flags then stay on the wall clock of the call, so
   * talk and silence add up to its length; an utterance open across the gap ends where the audio did.
   */
  advanceTo(atMs: number): Utterance[] {
    const missing = Math.floor(atMs / FRAME_MS) - this.speechFlags.length;
    if (missing <= 0) return [];
    this.pending.length = 0;
    const closed = this.current.length > 0 ? this.close() : null;
    for (let i = 0; i < missing; i++) this.speechFlags.push(false);
    return closed ? [closed] : [];
  }

  /** Ends the stream: an utterance still open is closed. */
  flush(): Utterance[] {
    const utterance = this.close();
    return utterance ? [utterance] : [];
  }

  private frame(samples: Float32Array): Utterance | null {
    const atMs = this.speechFlags.length * FRAME_MS;
    let power = 0;
    for (const s of samples) power += s * s;
    const db = 10 * Math.log10(power / samples.length + 1e-10);
    // Pitch needs two frames of signal to see the lowest voices.
    const window = new Float32Array(this.history.length + samples.length);
    window.set(this.history);
    window.set(samples, this.history.length);
    this.history = samples;
    const loud = db > this.noiseFloorDb + SPEECH_ABOVE_FLOOR_DB;
    // The floor follows quiet stretches quickly and loud ones very slowly.
    this.noiseFloorDb = loud ? this.noiseFloorDb + 0.01 : this.noiseFloorDb * 0.9 + db * 0.1;
    if (loud) {
      this.quietFrames = 0;
      this.current.push({ atMs, db, pitch: estimatePitch(window, this.sampleRate) });
    } else if (this.current.length > 0) {
      this.quietFrames++;
    }
    this.speechFlags.push(loud || (this.current.length > 0 && this.quietFrames <= HANGOVER_FRAMES));
    return this.quietFrames > HANGOVER_FRAMES ? this.close() : null;
  }

  private close(): Utterance | null {
    const frames = this.current;
    this.current = [];
    this.quietFrames = 0;
    if (frames.length * FRAME_MS < MIN_UTTERANCE_MS) return null;
    const pitches = frames.map((f) => f.pitch).filter((p): p is number => p !== null);
    const dbs = frames.map((f) => f.db);
    const utterance: Utterance = {
      startMs: frames[0]!.atMs,
      endMs: frames.at(-1)!.atMs + FRAME_MS,
      f0Mean: mean(pitches),
      f0Std: std(pitches),
      energyDb: mean(dbs),
      energyStd: std(dbs),
      rate: syllableRate(dbs),
      agitation: null,
      warning: false,
    };
    if (this.baseline.length < BASELINE_UTTERANCES) {
      this.baseline.push(utterance);
      return utterance;
    }
    utterance.agitation = this.agitation(utterance);
    utterance.warning = utterance.agitation >= 0.5 && utterance.agitation - (this.lastAgitation ?? 0) >= 0.25;
    this.lastAgitation = utterance.agitation;
    return utterance;
  }

  /**
   * How far this utterance is above the speaker's baseline: pitch in semitones, loudness in dB, speaking
   * rate and pitch variability as ratios, each scaled to what marks clear agitation and weighted.
   */
  private agitation(u: Utterance): number {
    const base = {
      f0: mean(this.baseline.map((b) => b.f0Mean)),
      f0Std: mean(this.baseline.map((b) => b.f0Std)),
      db: mean(this.baseline.map((b) => b.energyDb)),
      rate: mean(this.baseline.map((b) => b.rate)),
    };
    const semitones = base.f0 > 0 && u.f0Mean > 0 ? 12 * Math.log2(u.f0Mean / base.f0) : 0;
    const louder = u.energyDb - base.db;
    const faster = base.rate > 0 ? u.rate / base.rate - 1 : 0;
    const livelier = base.f0Std > 0 ? u.f0Std / base.f0Std - 1 : 0;
    return clamp(0.35 * clamp(semitones / 5) + 0.35 * clamp(louder / 6) + 0.2 * clamp(faster / 0.4) + 0.1 * clamp(livelier));
  }
}

/** Peaks of the smoothed loudness envelope at least 100 ms apart and 3 dB above their surroundings, per second. */
function syllableRate(dbs: readonly number[]): number {
  const smooth = dbs.map((_, i) => mean(dbs.slice(Math.max(0, i - 1), i + 2)));
  let peaks = 0;
  let last = -Infinity;
  for (let i = 1; i + 1 < smooth.length; i++) {
    const local = Math.min(...smooth.slice(Math.max(0, i - 5), i + 6));
    if (smooth[i]! > smooth[i - 1]! && smooth[i]! >= smooth[i + 1]! && smooth[i]! - local >= 3 && i - last >= 5) {
      peaks++;
      last = i;
    }
  }
  return peaks / ((dbs.length * FRAME_MS) / 1000);
}

export interface ConversationStats {
  customerTalkMs: number;
  agentTalkMs: number;
  silenceMs: number;
  overlapMs: number;
  /** Times both spoke at once for at least 200 ms: interruptions, for quality inspection. */
  overlaps: number;
}

/** Talk, silence and overlap of the two sides of a call from their per-frame speech flags. */
export function conversationStats(customer: readonly boolean[], agent: readonly boolean[]): ConversationStats {
  const frames = Math.max(customer.length, agent.length);
  const stats: ConversationStats = { customerTalkMs: 0, agentTalkMs: 0, silenceMs: 0, overlapMs: 0, overlaps: 0 };
  let run = 0;
  for (let i = 0; i < frames; i++) {
    const c = customer[i] ?? false;
    const a = agent[i] ?? false;
    if (c) stats.customerTalkMs += FRAME_MS;
    if (a) stats.agentTalkMs += FRAME_MS;
    if (!c && !a) stats.silenceMs += FRAME_MS;
    if (c && a) {
      stats.overlapMs += FRAME_MS;
      run++;
      if (run === 200 / FRAME_MS) stats.overlaps++;
    } else {
      run = 0;
    }
  }
  return stats;
}
