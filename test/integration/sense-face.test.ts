import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_UNITS, FaceAnalyser, HUMAN_ASSETS_DIR } from '../../device/sense/index.js';

/**
 * Faces cut from a sample photo shipped inside @vladmandic/human, with the expression each shows as
 * checked by eye once: the woman in the middle smiles, the man on the left does not.
 */
const PHOTO = join(HUMAN_ASSETS_DIR, 'screenshot-facedetect.jpg');
const FACES = [
  { crop: 'crop=300:300:100:280', expected: 'happy' },
  { crop: 'crop=150:170:0:330', expected: 'neutral' },
];
const SIZE = 320;
const picture = (filter: string) => execFileSync('ffmpeg', ['-loglevel', 'error', '-i', PHOTO, '-vf', `${filter},scale=${SIZE}:${SIZE}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 26 });

let face: FaceAnalyser;
beforeAll(async () => {
  face = await FaceAnalyser.create();
}, 60_000);
afterAll(() => face.close());

describe('face analysis (human on tfjs wasm, models from the npm package)', () => {
  it.each(FACES)('reads the expected dominant expression of $crop', async ({ crop, expected }) => {
    const reading = await face.analyse(picture(crop), SIZE, SIZE);
    expect(reading.present).toBe(true);
    expect(reading.dominant).toBe(expected);
    expect(reading.emotions[expected]).toBeGreaterThan(0.5);
    for (const unit of ACTION_UNITS) {
      expect(reading.aus![unit]).toBeGreaterThanOrEqual(0);
      expect(reading.aus![unit]).toBeLessThanOrEqual(1);
    }
    expect(Math.abs(reading.yaw)).toBeLessThan(45);
  });

  it('sees a smile as lip corners pulled up more than a neutral face', async () => {
    const smile = await face.analyse(picture(FACES[0]!.crop), SIZE, SIZE);
    const still = await face.analyse(picture(FACES[1]!.crop), SIZE, SIZE);
    expect(smile.aus!.lipCornerPull).toBeGreaterThan(still.aus!.lipCornerPull);
  });

  it('says so when there is no face', async () => {
    const reading = await face.analyse(Buffer.alloc(SIZE * SIZE * 3, 40), SIZE, SIZE);
    expect(reading).toMatchObject({ present: false, dominant: null, aus: null });
  });
});
