/** A round upper bound for an axis with four equal steps: whole steps for counts, so the ticks read 0, 1, 2... */
export function axisMax(max: number, whole: boolean): number {
  if (!(max > 0)) return whole ? 4 : 1;
  const raw = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  return (whole ? Math.max(1, Math.ceil(step)) : step) * 4;
}

/** Bars behind lines: visible on the paper background without hiding the lines. */
export const BAR_COLOUR = '#b8d4da';

/** Colours of chart series, readable on the paper background and distinct from each other. */
export const SERIES_COLOURS = ['#0f4c5c', '#d1495b', '#e09f1f', '#2e86ab', '#66a182', '#8d6a9f'];
