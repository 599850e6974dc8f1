/**
 * Erlang C: with `agents` agents, calls arriving at `perHour` and lasting `handleSeconds` on average,
 * the share of callers answered within `targetSeconds`. The standard staffing formula of contact
 * centres; here it extends the measured handle time to loads the simulation did not play.
 */
export function serviceLevel(agents: number, perHour: number, handleSeconds: number, targetSeconds: number): number {
  const traffic = (perHour * handleSeconds) / 3600;
  if (traffic >= agents) return 0;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < agents; k++) {
    term *= traffic / k;
    sum += term;
  }
  const last = (term * traffic) / agents;
  const waitProbability = (last * (agents / (agents - traffic))) / (sum + last * (agents / (agents - traffic)));
  return 1 - waitProbability * Math.exp(-((agents - traffic) * targetSeconds) / handleSeconds);
}

/** The highest hourly load (customers asking for an agent) that still keeps the service level at `floor`. */
export function loadAtServiceLevel(agents: number, handleSeconds: number, targetSeconds: number, floor: number): number {
  let low = 0;
  let high = (agents * 3600) / handleSeconds;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (serviceLevel(agents, mid, handleSeconds, targetSeconds) >= floor) low = mid;
    else high = mid;
  }
  return Math.floor(low);
}
