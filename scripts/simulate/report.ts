import type { Kpis } from '../../device/metrics/index.js';
import { serviceLevel } from './erlang.js';
import type { Played } from './main.js';

interface Summary {
  scenarios: number;
  kiosks: number;
  agents: number;
  durationSeconds: number;
  outcomes: Record<string, number>;
  kpis: Kpis;
  routingAccuracy: number | null;
  loadAt92PercentResponse: { customersPerHourAskingForAnAgent: number; averageHandleSeconds: number };
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 1000) / 10}%`);
const num = (x: number | null) => (x === null ? '–' : String(Math.round(x * 10) / 10));

function bars(title: string, entries: [string, number][]): string {
  const max = Math.max(1, ...entries.map(([, v]) => v));
  const body = entries.map(([k, v], i) => `<text x="0" y="${i * 22 + 15}" font-size="12">${escape(k)}</text><rect x="130" y="${i * 22 + 4}" width="${Math.round((v / max) * 380)}" height="14" fill="#2f7dbd"/><text x="${136 + Math.round((v / max) * 380)}" y="${i * 22 + 15}" font-size="12">${v}</text>`).join('');
  return `<svg role="img" aria-label="${escape(title)}" width="560" height="${entries.length * 22 + 6}">${body}</svg>`;
}

function erlangCurve(agents: number, handleSeconds: number, limit: number): string {
  const width = 560;
  const height = 220;
  const maxLoad = Math.max(limit * 1.6, 1);
  const points: string[] = [];
  for (let i = 0; i <= 60; i++) {
    const load = (i / 60) * maxLoad;
    const level = serviceLevel(agents, load, handleSeconds, 30);
    points.push(`${40 + (i / 60) * (width - 60)},${height - 30 - level * (height - 50)}`);
  }
  const y92 = height - 30 - 0.92 * (height - 50);
  const xLimit = 40 + (limit / maxLoad) * (width - 60);
  return `<svg role="img" aria-label="30-second response rate against load" width="${width}" height="${height}">
<polyline fill="none" stroke="#2f7dbd" stroke-width="2" points="${points.join(' ')}"/>
<line x1="40" y1="${y92}" x2="${width - 20}" y2="${y92}" stroke="#b4463c" stroke-dasharray="4"/><text x="${width - 60}" y="${y92 - 4}" font-size="11" fill="#b4463c">92%</text>
<line x1="${xLimit}" y1="20" x2="${xLimit}" y2="${height - 30}" stroke="#999"/><text x="${xLimit + 4}" y="30" font-size="11">${limit}/h</text>
<text x="40" y="${height - 10}" font-size="11">0</text><text x="${width - 80}" y="${height - 10}" font-size="11">${Math.round(maxLoad)} customers/h</text></svg>`;
}

/** The simulation as one HTML file with inline SVG charts. */
export function reportHtml(summary: Summary, played: Played[], byAgent: { groups: { key: string; kpis: Kpis }[]; labels: Record<string, string> }): string {
  const k = summary.kpis;
  const rows: [string, string][] = [
    ['Sessions', String(k.sessions)],
    ['30-second response rate', pct(k.responseRate30s)],
    ['Average handle time (s)', num(k.averageHandleSeconds)],
    ['First-contact resolution', pct(k.firstContactResolution)],
    ['Service error rate (QA)', pct(k.serviceErrorRate)],
    ['CSAT (4-5 stars)', pct(k.csat)],
    ['NPS', num(k.nps)],
    ['Repeat-inquiry rate', pct(k.repeatInquiryRate)],
    ['Abandonment rate', pct(k.abandonmentRate)],
    ['Routing accuracy', pct(summary.routingAccuracy)],
  ];
  const kinds = [...new Set(played.map((p) => p.kind))];
  const accuracy = kinds.map((kind) => {
    const judged = played.filter((p) => p.kind === kind && p.expect);
    return `<tr><td>${kind}</td><td>${played.filter((p) => p.kind === kind).length}</td><td>${judged.length ? pct(judged.filter((p) => p.routed === p.expect).length / judged.length) : '–'}</td></tr>`;
  });
  const agents = byAgent.groups.map((g) => `<tr><td>${escape(byAgent.labels[g.key] ?? g.key)}</td><td>${g.kpis.sessions}</td><td>${num(g.kpis.averageHandleSeconds)}</td><td>${pct(g.kpis.firstContactResolution)}</td><td>${pct(g.kpis.csat)}</td></tr>`);
  const load = summary.loadAt92PercentResponse;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Branchline simulation</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2733}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .8rem;text-align:left}</style></head><body>
<h1>Branchline simulation</h1>
<p>${summary.scenarios} visits on ${summary.kiosks} kiosks with ${summary.agents} agents in ${summary.durationSeconds} s, through the appliance's HTTP and WebSocket interfaces.</p>
<h2>KPIs</h2><table>${rows.map(([a, b]) => `<tr><th>${a}</th><td>${b}</td></tr>`).join('')}</table>
<h2>Outcomes</h2>${bars('Visits by outcome', Object.entries(summary.outcomes))}
<h2>Routing accuracy by scenario</h2><table><tr><th>Scenario</th><th>Visits</th><th>Routed to the intended label</th></tr>${accuracy.join('')}</table>
<h2>Agents</h2><table><tr><th>Agent</th><th>Sessions</th><th>Handle (s)</th><th>FCR</th><th>CSAT</th></tr>${agents.join('')}</table>
<h2>Load at which the 30-second response rate falls below 92%</h2>
<p>${summary.agents} agents at the measured ${load.averageHandleSeconds} s per session keep 92% answered within 30 s up to <b>${load.customersPerHourAskingForAnAgent} customers per hour</b> asking for an agent (Erlang C).</p>
${erlangCurve(summary.agents, load.averageHandleSeconds, load.customersPerHourAskingForAnAgent)}
</body></html>
`;
}
