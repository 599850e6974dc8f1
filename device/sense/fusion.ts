/** Valence (-1 unpleasant .. 1 pleasant) and arousal (0 calm .. 1 excited). */
export interface Emotion {
  valence: number;
  arousal: number;
}

export type EmotionLabel = 'angry' | 'upset' | 'tense' | 'calm' | 'positive';

/** How much one signal of each channel moves the session's state: words are the clearest evidence. */
const CHANNEL_WEIGHT = { text: 0.6, voice: 0.45, face: 0.25 } as const;
export type Channel = keyof typeof CHANNEL_WEIGHT;

export function labelOf({ valence, arousal }: Emotion): EmotionLabel {
  if (valence <= -0.3) return arousal >= 0.5 ? 'angry' : 'upset';
  if (valence >= 0.3) return 'positive';
  return arousal >= 0.6 ? 'tense' : 'calm';
}

/**
 * One emotion state per session, smoothed over its signals: each new signal pulls the state towards
 * itself by its channel's weight, so one odd frame does not swing it but a run of signals does.
 */
export class EmotionFusion {
  private state: Emotion = { valence: 0, arousal: 0.2 };

  get current(): Emotion & { label: EmotionLabel } {
    return { ...this.state, label: labelOf(this.state) };
  }

  add(channel: Channel, signal: Emotion): Emotion & { label: EmotionLabel } {
    const w = CHANNEL_WEIGHT[channel];
    this.state = {
      valence: this.state.valence * (1 - w) + signal.valence * w,
      arousal: this.state.arousal * (1 - w) + signal.arousal * w,
    };
    return this.current;
  }
}
