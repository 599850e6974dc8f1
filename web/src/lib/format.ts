/** Number formats shared by the supervisor's figures; null (nothing to measure yet) reads as a dash. */

export const DASH = '–';

/** 0..1 as a percentage with at most one decimal: 1 → "100%", 0.875 → "87.5%". */
export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? DASH : `${Number((value * 100).toFixed(1))}%`;
}

/** A signed whole number, as a net promoter score is written: "+40", "0", "-15". */
export function signed(value: number | null | undefined): string {
  if (value === null || value === undefined) return DASH;
  const n = Math.round(value);
  return n > 0 ? `+${n}` : String(n);
}

/** Seconds as m:ss (or h:mm:ss from an hour), for waits and handling times. */
export function clock(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return DASH;
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${String(m).padStart(2, '0')}:${s}`;
}

export function fixed(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? DASH : value.toFixed(digits);
}

/** A calendar day (UTC, as the appliance groups days) as YYYY-MM-DD, `offsetDays` from `at`. */
export function utcDay(at: Date, offsetDays = 0): string {
  return new Date(at.getTime() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

/** Every day from `from` to `to` inclusive (YYYY-MM-DD, UTC); at most `limit` of them. */
export function daysBetween(from: string, to: string, limit = 400): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to) && out.length < limit; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
