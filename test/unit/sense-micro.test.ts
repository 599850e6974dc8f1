import { describe, expect, it } from 'vitest';
import { ACTION_UNITS, MicroExpressionSpotter, type ActionUnit, type FaceFrame } from '../../device/sense/index.js';
import { generateSequence, scoreSpotting } from '../../scripts/bench/micro-synthetic.js';

const neutral = Object.fromEntries(ACTION_UNITS.map((u) => [u, 0.2])) as Record<ActionUnit, number>;
/** A face at `fps` for `seconds`, jittered a little, with `change` applied between two times. */
function face(fps: number, seconds: number, change?: { from: number; to: number; units: Partial<Record<ActionUnit, number>>; yawPerSecond?: number }): FaceFrame[] {
  const frames: FaceFrame[] = [];
  for (let t = 0; t <= seconds * 1000; t += 1000 / fps) {
    const aus = { ...neutral };
    for (const u of ACTION_UNITS) aus[u] += Math.sin(t * 0.37 + u.length) * 0.01;
    let yaw = 0;
    if (change && t >= change.from && t <= change.to) {
      for (const [u, v] of Object.entries(change.units)) aus[u as ActionUnit] += v;
      yaw = ((t - change.from) / 1000) * (change.yawPerSecond ?? 0);
    }
    frames.push({ t, aus, yaw, pitch: 0 });
  }
  return frames;
}
const spot = (frames: FaceFrame[]) => {
  const spotter = new MicroExpressionSpotter();
  return frames.flatMap((f) => spotter.push(f));
};

describe('micro-expression spotter', () => {
  it('reports a brief brow-lower and lip-press as anger, with its timing', () => {
    const [event, ...rest] = spot(face(30, 8, { from: 5000, to: 5200, units: { browLower: 0.4, lipPress: 0.35 } }));
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ label: 'anger', units: expect.arrayContaining(['browLower', 'lipPress']) });
    expect(event!.onset).toBeGreaterThanOrEqual(5000);
    expect(event!.offset).toBeLessThanOrEqual(5250);
  });

  it('ignores a slow posed expression, a blink and a head turn', () => {
    expect(spot(face(30, 10, { from: 5000, to: 7500, units: { lipCornerDepress: 0.4 } }))).toEqual([]);
    expect(spot(face(30, 8, { from: 5000, to: 5150, units: { eyeWiden: -0.3 } }))).toEqual([]);
    expect(spot(face(30, 8, { from: 5000, to: 5300, units: { browRaise: 0.2, noseWrinkle: 0.2 }, yawPerSecond: 90 }))).toEqual([]);
  });

  it('finds injected events among distractors at 10 frames/s with high precision and recall', () => {
    const totals = { precision: 0, recall: 0, labels: 0 };
    for (let seed = 1; seed <= 6; seed++) {
      const { frames, truth } = generateSequence(seed, 10, 120);
      const score = scoreSpotting(spot(frames), truth);
      totals.precision += score.precision / 6;
      totals.recall += score.recall / 6;
      totals.labels += score.labelAccuracy / 6;
    }
    expect(totals.precision).toBeGreaterThan(0.9);
    expect(totals.recall).toBeGreaterThan(0.8);
    expect(totals.labels).toBeGreaterThan(0.9);
  });
});
