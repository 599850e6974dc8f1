import { ACTION_UNITS, EXPRESSION_UNITS, MICRO_LABELS, type ActionUnit, type FaceFrame, type MicroExpression, type MicroLabel } from '../../device/sense/index.js';

/**
 * Synthetic action-unit streams for measuring the micro-expression spotter: a neutral face with sensor
 * noise, brief expressions injected at known times, and the distractors a kiosk camera sees (blinks,
 * talking, head turns, slow posed expressions), each a function of time sampled at any frame rate.
 */

export interface TruthEvent {
  label: MicroLabel;
  onset: number;
  offset: number;
}

type Segment = { kind: 'micro' | 'posed'; label: MicroLabel; start: number; end: number; amplitude: number } | { kind: 'blink' | 'talk' | 'turn'; start: number; end: number; units: ActionUnit[] };

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
}

/** Triangle-ish envelope: rises over the first 40%, holds, falls over the last 40%. */
function envelope(t: number, start: number, end: number): number {
  if (t < start || t > end) return 0;
  const x = (t - start) / (end - start);
  return x < 0.4 ? x / 0.4 : x > 0.6 ? (1 - x) / 0.4 : 1;
}

export function generateSequence(seed: number, fps: number, seconds: number): { frames: FaceFrame[]; truth: TruthEvent[] } {
  const random = prng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const baseline = Object.fromEntries(ACTION_UNITS.map((u) => [u, 0.1 + random() * 0.2])) as Record<ActionUnit, number>;
  const segments: Segment[] = [];
  const pickUnits = () => [...ACTION_UNITS].sort(() => random() - 0.5).slice(0, 2);
  for (let t = 2000; t < seconds * 1000 - 4000; ) {
    const roll = random();
    const label = MICRO_LABELS[Math.floor(random() * MICRO_LABELS.length)]!;
    if (roll < 0.45) {
      const duration = 60 + random() * 390;
      segments.push({ kind: 'micro', label, start: t, end: t + duration, amplitude: 0.3 + random() * 0.3 });
      t += duration;
    } else if (roll < 0.6) {
      segments.push({ kind: 'blink', start: t, end: t + 150, units: ['eyeWiden'] });
      t += 150;
    } else if (roll < 0.75) {
      segments.push({ kind: 'talk', start: t, end: t + 2500, units: ['jawDrop', 'lipPress', 'lipCornerPull'] });
      t += 2500;
    } else if (roll < 0.87) {
      segments.push({ kind: 'turn', start: t, end: t + 400, units: pickUnits() });
      t += 400;
    } else {
      segments.push({ kind: 'posed', label, start: t, end: t + 1500 + random() * 1500, amplitude: 0.4 });
      t = segments.at(-1)!.end;
    }
    t += 1200 + random() * 2500;
  }
  let yaw = 0;
  const frames: FaceFrame[] = [];
  for (let t = 0; t <= seconds * 1000; t += 1000 / fps) {
    const aus = Object.fromEntries(ACTION_UNITS.map((u) => [u, baseline[u] + gauss() * 0.015])) as Record<ActionUnit, number>;
    let turning = 0;
    for (const s of segments) {
      if (t < s.start || t > s.end) continue;
      if (s.kind === 'micro' || s.kind === 'posed') for (const u of EXPRESSION_UNITS[s.label]) aus[u] += s.amplitude * envelope(t, s.start, s.end);
      if (s.kind === 'blink') aus.eyeWiden -= 0.3 * envelope(t, s.start, s.end);
      if (s.kind === 'talk') {
        const phase = Math.sin(((t - s.start) / 1000) * 2 * Math.PI * 5);
        aus.jawDrop += 0.2 * Math.abs(phase);
        aus.lipPress += 0.1 * Math.max(0, -phase);
        aus.lipCornerPull += 0.08 * Math.max(0, phase);
      }
      if (s.kind === 'turn') {
        turning = 25 * ((t - s.start) / (s.end - s.start));
        for (const u of s.units) aus[u] += 0.15 * envelope(t, s.start, s.end);
      }
    }
    if (turning) yaw = turning;
    frames.push({ t, aus, yaw, pitch: 0 });
  }
  const truth = segments.flatMap((s) => (s.kind === 'micro' ? [{ label: s.label, onset: s.start, offset: s.end }] : []));
  return { frames, truth };
}

/** Spotting precision and recall by time overlap (100 ms tolerance), and how many matches got the right label. */
export function scoreSpotting(found: readonly MicroExpression[], truth: readonly TruthEvent[]): { precision: number; recall: number; labelAccuracy: number } {
  const overlaps = (f: MicroExpression, e: TruthEvent) => f.onset <= e.offset + 100 && f.offset >= e.onset - 100;
  const matchedTruth = truth.filter((e) => found.some((f) => overlaps(f, e)));
  const matchedFound = found.filter((f) => truth.some((e) => overlaps(f, e)));
  const rightLabel = matchedFound.filter((f) => truth.some((e) => overlaps(f, e) && e.label === f.label)).length;
  return {
    precision: found.length ? matchedFound.length / found.length : 1,
    recall: truth.length ? matchedTruth.length / truth.length : 1,
    labelAccuracy: matchedFound.length ? rightLabel / matchedFound.length : 1,
  };
}
