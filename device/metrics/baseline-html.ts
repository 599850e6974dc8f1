import type { BaselineReport } from '../store/index.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 1000) / 10}%`);
const COLOURS = ['#2f7dbd', '#d9822b', '#3a9d5d', '#b4463c', '#7b5ea7'];

function shareChart(report: BaselineReport): string {
  const groups = report.groups.slice(0, 15);
  const rowHeight = 22;
  const width = 640;
  const bars = groups
    .map((g, i) => {
      const w = Math.max(1, Math.round(g.share * (width - 260)));
      const colour = report.sinkholes.includes(g.group) ? '#b4463c' : '#2f7dbd';
      return `<text x="0" y="${i * rowHeight + 15}" font-size="12">${escape(g.name)}</text><rect x="200" y="${i * rowHeight + 4}" width="${w}" height="14" fill="${colour}"/><text x="${206 + w}" y="${i * rowHeight + 15}" font-size="12">${pct(g.share)}</text>`;
    })
    .join('');
  return `<svg role="img" aria-label="Share of complaints per intent group" width="${width}" height="${groups.length * rowHeight + 8}" viewBox="0 0 ${width} ${groups.length * rowHeight + 8}">${bars}</svg>`;
}

function trendChart(report: BaselineReport): string {
  const top = report.groups.filter((g) => g.group !== 'out-of-scope').slice(0, COLOURS.length);
  const width = 640;
  const height = 220;
  const max = Math.max(1, ...top.flatMap((g) => g.trend));
  const x = (i: number) => 40 + (report.months.length <= 1 ? 0 : (i * (width - 60)) / (report.months.length - 1));
  const y = (v: number) => height - 30 - (v / max) * (height - 50);
  const lines = top.map((g, k) => `<polyline fill="none" stroke="${COLOURS[k]}" stroke-width="2" points="${g.trend.map((v, i) => `${x(i)},${y(v)}`).join(' ')}"/>`).join('');
  const labels = report.months.map((m, i) => `<text x="${x(i)}" y="${height - 10}" font-size="11" text-anchor="middle">${m}</text>`).join('');
  const legend = top.map((g, k) => `<tspan fill="${COLOURS[k]}">■ ${escape(g.name)}</tspan>`).join('  ');
  return `<svg role="img" aria-label="Complaints per month, largest groups" width="${width}" height="${height + 20}" viewBox="0 0 ${width} ${height + 20}"><text x="40" y="14" font-size="12">${legend}</text><line x1="40" y1="${y(0)}" x2="${width - 20}" y2="${y(0)}" stroke="#999"/><text x="4" y="${y(max) + 4}" font-size="11">${max}</text>${lines}${labels}</svg>`;
}

/** The report as one HTML file with its charts inline: no script, font or picture from anywhere else. */
export function baselineHtml(report: BaselineReport): string {
  const rows = report.groups
    .map(
      (g) =>
        `<tr${report.sinkholes.includes(g.group) ? ' class="sinkhole"' : ''}><td>${escape(g.name)}</td><td>${g.count}</td><td>${pct(g.share)}</td><td>${pct(g.resolutionRate)}</td><td>${g.trend.join(' → ')}</td><td>${Object.entries(g.channels).map(([c, n]) => `${escape(c)} ${n}`).join(', ')}</td><td><ul>${g.examples.map((e) => `<li>${escape(e)}</li>`).join('')}</ul></td></tr>`,
    )
    .join('');
  const rejected = report.rejected.length === 0 ? '<p>Every row was read.</p>' : `<details><summary>${report.rejected.length} rows left out</summary><ul>${report.rejected.slice(0, 500).map((r) => `<li>row ${r.row}: ${escape(r.problem)}</li>`).join('')}</ul></details>`;
  const sinkholes = report.sinkholes.map((id) => report.groups.find((g) => g.group === id)!).map((g) => `<li><b>${escape(g.name)}</b>: ${g.count} complaints (${pct(g.share)}), ${pct(g.resolutionRate)} resolved</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Baseline diagnosis: ${escape(report.name)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2733}table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}tr.sinkhole{background:#fbeaea}ul{margin:0;padding-left:1.1rem}</style></head>
<body>
<h1>Baseline diagnosis: ${escape(report.name)}</h1>
<p>${report.rows} complaints from ${escape(report.months[0] ?? '')} to ${escape(report.months.at(-1) ?? '')}, classified with the appliance's intent model. Imported ${escape(report.importedAt)} by ${escape(report.importedBy)}.</p>
${rejected}
<h2>Satisfaction sinkholes</h2><ol>${sinkholes}</ol>
<h2>Share of complaints per intent group</h2>${shareChart(report)}
<h2>Trend</h2>${trendChart(report)}
<h2>Every group</h2>
<table><thead><tr><th>Intent group</th><th>Complaints</th><th>Share</th><th>Resolved</th><th>Per month</th><th>Channels</th><th>Examples</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>
`;
}
