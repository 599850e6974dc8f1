import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HUMAN_ASSETS_DIR } from '../../device/sense/index.js';

/** Where the browser tests' fake camera and microphone files live (Chromium reads them at launch). */
export const FAKE_MEDIA_DIR = join(tmpdir(), 'branchline-fake-media');
export const FAKE_VIDEO = join(FAKE_MEDIA_DIR, 'camera-face.y4m');
export const FAKE_AUDIO = join(FAKE_MEDIA_DIR, 'microphone.wav');

/** The smiling face in a sample photo that ships with @vladmandic/human (checked by eye: happy). */
const FACE_PHOTO = join(HUMAN_ASSETS_DIR, 'screenshot-facedetect.jpg');
export const FACE_CROP = 'crop=300:300:100:280';

/** Makes a camera picture of a face from a shipped photo with ffmpeg and a spoken sentence with espeak-ng, once. */
export function makeFakeMedia(): void {
  mkdirSync(FAKE_MEDIA_DIR, { recursive: true });
  if (!existsSync(FAKE_VIDEO)) {
    // A slow zoom keeps the picture moving, so decoders keep producing frames.
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-loop', '1', '-i', FACE_PHOTO, '-vf', `${FACE_CROP},scale=240:240,pad=320:240:40:0,zoompan=z='1+0.05*sin(on/10)':d=1:s=320x240:fps=15`, '-t', '4', '-pix_fmt', 'yuv420p', `${FAKE_VIDEO}.tmp.y4m`]);
    execFileSync('mv', [`${FAKE_VIDEO}.tmp.y4m`, FAKE_VIDEO]);
  }
  if (!existsSync(FAKE_AUDIO)) {
    // A sentence repeated for a minute: Chromium plays the file once, and a call must not fall silent.
    execFileSync('espeak-ng', ['-w', `${FAKE_AUDIO}.one.wav`, 'Hello, I lost my credit card yesterday and I would like to block it, please.']);
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-stream_loop', '12', '-i', `${FAKE_AUDIO}.one.wav`, '-ar', '48000', '-ac', '1', `${FAKE_AUDIO}.tmp.wav`]);
    execFileSync('mv', [`${FAKE_AUDIO}.tmp.wav`, FAKE_AUDIO]);
  }
}
