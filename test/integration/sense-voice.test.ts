import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationStats, VoiceAnalyser, type Utterance } from '../../device/sense/voice.js';

const dir = mkdtempSync(join(tmpdir(), 'voice-'));
const SENTENCES = [
  'I would like to ask about my credit card bill from last month.',
  'Could you please check the payment I made on Monday.',
  'I think the amount is a little different from what I expected.',
];
const ANGRY = 'This is completely unacceptable, I have been waiting for three weeks already!';

/** espeak-ng speech as 16 kHz mono PCM: calm (low, slow, soft) or agitated (pitch and rate raised, louder). */
function speak(name: string, text: string, agitated: boolean): Buffer {
  const [pitch, speed, amplitude] = agitated ? ['85', '230', '190'] : ['40', '150', '60'];
  const wav = join(dir, `${name}.wav`);
  execFileSync('espeak-ng', ['-v', 'en', '-p', pitch, '-s', speed, '-a', amplitude, '-w', wav, text]);
  return execFileSync('ffmpeg', ['-loglevel', 'error', '-i', wav, '-ac', '1', '-ar', '16000', '-f', 's16le', 'pipe:1'], { maxBuffer: 64 << 20 });
}

const silence = (seconds: number) => Buffer.alloc(Math.round(16000 * 2 * seconds));
let calm: Buffer[];
let agitated: Buffer;

function analyse(clips: Buffer[]): Utterance[] {
  const voice = new VoiceAnalyser();
  const utterances: Utterance[] = [];
  for (const clip of clips) utterances.push(...voice.pushPcm(clip), ...voice.pushPcm(silence(0.6)));
  return [...utterances, ...voice.flush()];
}

beforeAll(() => {
  calm = SENTENCES.map((s, i) => speak(`calm${i}`, s, false));
  agitated = speak('angry', ANGRY, true);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('voice agitation', () => {
  it('finds one utterance per sentence with plausible pitch, loudness and rate', () => {
    const utterances = analyse(calm);
    expect(utterances).toHaveLength(3);
    for (const u of utterances) {
      expect(u.f0Mean).toBeGreaterThan(70);
      expect(u.f0Mean).toBeLessThan(250);
      expect(u.rate).toBeGreaterThan(2);
      expect(u.endMs - u.startMs).toBeGreaterThan(1500);
    }
    // The first two are the speaker's baseline.
    expect(utterances.slice(0, 2).map((u) => u.agitation)).toEqual([null, null]);
  });

  it('flags agitation only for the agitated speech, against the same speaker calm at first', () => {
    const steady = analyse(calm);
    expect(steady[2]!.warning).toBe(false);
    expect(steady[2]!.agitation!).toBeLessThan(0.5);
    const rising = analyse([calm[0]!, calm[1]!, agitated]);
    expect(rising[2]!.warning).toBe(true);
    expect(rising[2]!.agitation!).toBeGreaterThan(0.7);
    expect(rising[2]!.f0Mean).toBeGreaterThan(rising[0]!.f0Mean * 1.2);
    expect(rising[2]!.energyDb).toBeGreaterThan(rising[0]!.energyDb + 6);
  });

  it('measures talk, silence and overlap of two sides', () => {
    const customer = new VoiceAnalyser();
    const agent = new VoiceAnalyser();
    customer.pushPcm(Buffer.concat([calm[0]!, silence(2)]));
    agent.pushPcm(Buffer.concat([silence(3), calm[1]!]));
    const stats = conversationStats(customer.speechFlags, agent.speechFlags);
    expect(stats.customerTalkMs).toBeGreaterThan(3000);
    expect(stats.agentTalkMs).toBeGreaterThan(2000);
    expect(stats.overlapMs).toBeGreaterThan(0);
    expect(stats.overlaps).toBe(1);
    expect(stats.silenceMs).toBeGreaterThan(0);
  });

  it('counts time without audio (a muted side, frames dropped while busy) as silence on the call clock', () => {
    const voice = new VoiceAnalyser();
    const speech = calm[0]!;
    const speechMs = (speech.length / 2 / 16000) * 1000;
    // Half the sentence, then nothing arrives for 3 s, then the rest: the open utterance ends at the gap.
    const half = Math.floor(speech.length / 4) * 2;
    const before = voice.pushPcm(speech.subarray(0, half));
    const atGap = voice.advanceTo((half / 2 / 16000) * 1000 + 3000);
    expect(before).toHaveLength(0);
    expect(atGap).toHaveLength(1);
    expect(atGap[0]!.endMs).toBeLessThanOrEqual((half / 2 / 16000) * 1000 + 20);
    voice.pushPcm(speech.subarray(half));
    voice.advanceTo(speechMs + 3000 + 5000);
    // The flags cover the whole wall-clock span, and the silence holds the gap and the quiet end.
    expect(voice.speechFlags.length * 20).toBeGreaterThanOrEqual(speechMs + 8000 - 20);
    const stats = conversationStats(voice.speechFlags, []);
    expect(stats.silenceMs).toBeGreaterThan(7500);
    // Advancing to a time already covered adds nothing.
    const length = voice.speechFlags.length;
    expect(voice.advanceTo(1000)).toEqual([]);
    expect(voice.speechFlags).toHaveLength(length);
  });
});
