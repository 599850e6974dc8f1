import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TextSentiment } from '../../device/sense/text.js';

const text = new TextSentiment(fileURLToPath(new URL('../../models/sense/lexicon.json', import.meta.url)));
const score = (s: string) => text.analyse(s).sentiment;

describe('text sentiment lexicon', () => {
  it.each([
    ['zh-Hant', '我真的很失望，等了一個小時都沒人理', '我不失望，謝謝你們的幫忙'],
    ['zh-Hans', '太离谱了，我非常生气', '一点也不生气，处理得很好'],
    ['en', 'I am really disappointed, this is unacceptable', 'I am not disappointed at all, thanks'],
  ])('%s: negative wording is negative, and negated it is not', (_script, negative, negated) => {
    expect(score(negative)).toBeLessThan(-0.5);
    expect(score(negated)).toBeGreaterThanOrEqual(0);
  });

  it('lets intensifiers and exclamation marks count for more', () => {
    expect(score('我很失望')).toBeLessThan(score('我失望'));
    expect(score('I am extremely frustrated')).toBeLessThan(score('I am frustrated'));
    expect(score('This is terrible!!!')).toBeLessThan(score('This is terrible'));
    expect(text.analyse('This is terrible!!!').arousal).toBeGreaterThan(text.analyse('This is terrible').arousal);
    expect(score('不太滿意')).toBeLessThan(0);
    expect(score('The weather is nice today')).toBe(0);
  });

  it('finds explicit triggers in all three scripts, and not when they are negated', () => {
    expect(text.analyse('我要投訴你們，再不處理我就找律師、上新聞').triggers).toEqual(['complaint', 'lawyer', 'media']);
    expect(text.analyse('再这样我就去消保投诉，然后销户').triggers).toEqual(['complaint', 'cancel', 'regulator']);
    expect(text.analyse('I will file a complaint with the ombudsman and close my account').triggers).toEqual(['complaint', 'cancel', 'regulator']);
    expect(text.analyse("I don't want to complain, it's fine").triggers).toEqual([]);
    expect(text.analyse('我不是要投訴，只是想問問').triggers).toEqual([]);
    expect(text.analyse('Can I speak to a manager?').triggers).toEqual(['manager']);
  });

  it('matches the longest entry once and reports each hit with its negation', () => {
    expect(text.analyse('我很失望').hits).toEqual([{ term: '很失望', negated: false, weight: -2.5 }]);
    expect(text.analyse('not very happy').hits).toEqual([{ term: 'happy', negated: true, weight: -1.5 }]);
    expect(text.suggestion('complaint')?.en).toMatch(/complaint/);
  });
});
