/**
 * Micro-expression spotting over per-frame action-unit (AU) intensities: brief (about 40-500 ms),
 * involuntary movements measured against the same customer's own rolling neutral baseline. Longer
 * movements are posed or ordinary expressions; blinks, talking and head turns are told apart by the
 * channels they move.
 */

export const ACTION_UNITS = ['browRaise', 'browLower', 'lipCornerPull', 'lipCornerDepress', 'lipPress', 'eyeWiden', 'noseWrinkle', 'lipCornerAsymmetry', 'jawDrop'] as const;
export type ActionUnit = (typeof ACTION_UNITS)[number];

export const MICRO_LABELS = ['anger', 'contempt', 'disgust', 'fear', 'sadness', 'surprise'] as const;
export type MicroLabel = (typeof MICRO_LABELS)[number];

export interface FaceFrame {
  /** Milliseconds since the start of the stream. */
  t: number;
  aus: Record<ActionUnit, number>;
  /** Head rotation in degrees; a fast turn moves every landmark and is not an expression. */
  yaw: number;
  pitch: number;
}

export interface MicroExpression {
  label: MicroLabel;
  onset: number;
  offset: number;
  /** Peak deviation from the baseline, in robust standard deviations. */
  strength: number;
  units: ActionUnit[];
}

/** Which units make which expression (after Ekman's FACS prototypes, reduced to what a mesh shows). */
export const EXPRESSION_UNITS: Record<MicroLabel, readonly ActionUnit[]> = {
  anger: ['browLower', 'lipPress'],
  contempt: ['lipCornerAsymmetry'],
  disgust: ['noseWrinkle'],
  fear: ['browRaise', 'eyeWiden'],
  sadness: ['lipCornerDepress'],
  surprise: ['browRaise', 'eyeWiden', 'jawDrop'],
};

export interface SpotterOptions {
  /** Seconds of history the baseline is taken from. */
  baselineSeconds: number;
  /** Deviation, in robust standard deviations, at which a unit counts as moving. */
  threshold: number;
  minMs: number;
  maxMs: number;
  /** Head rotation speed (degrees/s) above which frames are not read as expressions. */
  maxHeadSpeed: number;
}

export const DEFAULT_SPOTTER: SpotterOptions = { baselineSeconds: 4, threshold: 4, minMs: 40, maxMs: 500, maxHeadSpeed: 60 };

/** Jaw opening range within a second (AU intensity) that only speech produces. */
const JAW_TALKING_RANGE = 0.12;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Run {
  start: number;
  peak: Map<ActionUnit, number>;
  lastActive: number;
  headMoving: boolean;
  talking: boolean;
}

/**
 * Feeds frames one at a time and reports each micro-expression once it has ended. Works at whatever
 * frame rate the face analysis achieves; below about 10 frames/s the shortest events (under ~100 ms)
 * fall between frames and cannot be seen.
 */
export class MicroExpressionSpotter {
  private readonly history: FaceFrame[] = [];
  private run: Run | null = null;
  private previous: FaceFrame | null = null;
  private readonly jawRecent: { t: number; v: number }[] = [];

  constructor(private readonly options: SpotterOptions = DEFAULT_SPOTTER) {}

  push(frame: FaceFrame): MicroExpression[] {
    const found: MicroExpression[] = [];
    const deviations = this.deviations(frame);
    const headSpeed = this.previous ? (Math.hypot(frame.yaw - this.previous.yaw, frame.pitch - this.previous.pitch) / Math.max(frame.t - this.previous.t, 1)) * 1000 : 0;
    const talking = this.talking(frame);
    const active = deviations ? ACTION_UNITS.filter((u) => deviations[u] >= this.options.threshold) : [];

    if (active.length > 0) {
      this.run ??= { start: frame.t, peak: new Map(), lastActive: frame.t, headMoving: false, talking: false };
      this.run.lastActive = frame.t;
      this.run.headMoving ||= headSpeed > this.options.maxHeadSpeed;
      this.run.talking ||= talking;
      for (const u of active) this.run.peak.set(u, Math.max(this.run.peak.get(u) ?? 0, deviations![u]));
    } else if (this.run) {
      const event = this.close(this.run, frame.t);
      if (event) found.push(event);
      this.run = null;
    }
    // Frames inside a movement stay out of the baseline, so the baseline stays neutral.
    if (active.length === 0) {
      this.history.push(frame);
      while (this.history.length > 0 && frame.t - this.history[0]!.t > this.options.baselineSeconds * 1000) this.history.shift();
    }
    this.previous = frame;
    return found;
  }

  /**
   * Talking opens and closes the jaw several times a second, well above sensor noise; a surprise opens
   * it once. Looks at the last second of jaw movement.
   */
  private talking(frame: FaceFrame): boolean {
    this.jawRecent.push({ t: frame.t, v: frame.aus.jawDrop });
    while (frame.t - this.jawRecent[0]!.t > 1000) this.jawRecent.shift();
    const values = this.jawRecent.map((j) => j.v);
    if (Math.max(...values) - Math.min(...values) < JAW_TALKING_RANGE) return false;
    const mid = (Math.max(...values) + Math.min(...values)) / 2;
    let crossings = 0;
    for (let i = 1; i < values.length; i++) if (values[i - 1]! < mid !== values[i]! < mid) crossings++;
    return crossings >= 3;
  }

  /** Each unit's distance from the rolling baseline in robust standard deviations (1.4826 x MAD). */
  private deviations(frame: FaceFrame): Record<ActionUnit, number> | null {
    if (this.history.length < 8) return null;
    const out = {} as Record<ActionUnit, number>;
    for (const u of ACTION_UNITS) {
      const values = this.history.map((f) => f.aus[u]);
      const m = median(values);
      const mad = median(values.map((v) => Math.abs(v - m)));
      out[u] = (frame.aus[u] - m) / (1.4826 * mad + 0.02);
    }
    return out;
  }

  private close(run: Run, endedAt: number): MicroExpression | null {
    // The movement ended somewhere between the last frame it was seen in and this one.
    const duration = (run.lastActive + endedAt) / 2 - run.start;
    if (duration > this.options.maxMs || run.headMoving) return null;
    if (run.start === run.lastActive && endedAt - run.start < this.options.minMs) return null;
    const units = [...run.peak.keys()];
    // An opening mouth alone is speech, a yawn or a breath, not an expression.
    if (units.every((u) => u === 'jawDrop')) return null;
    const lipsOnly = units.every((u) => u === 'lipPress' || u === 'lipCornerPull' || u === 'lipCornerDepress' || u === 'jawDrop' || u === 'lipCornerAsymmetry');
    if (run.talking && lipsOnly) return null;
    let best: { label: MicroLabel; score: number } | null = null;
    for (const label of MICRO_LABELS) {
      const template = EXPRESSION_UNITS[label];
      const covered = template.filter((u) => run.peak.has(u)).length / template.length;
      const extra = units.filter((u) => !template.includes(u)).length * 0.15;
      const score = covered - extra + (covered === 1 ? template.length * 0.1 : 0);
      if (covered > 0 && (!best || score > best.score)) best = { label, score };
    }
    if (!best) return null;
    return { label: best.label, onset: run.start, offset: run.lastActive, strength: Math.max(...run.peak.values()), units };
  }
}
