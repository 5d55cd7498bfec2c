/**
 * The report's stylesheet: plain CSS, light and dark (prefers-color-scheme), printable. The
 * charts read their colours from the same custom properties (see client-script.ts); print
 * always uses the light colours (the page sets the class "printing" while it prints).
 */
export const REPORT_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff;
  --fg: #1b2330;
  --muted: #5a6472;
  --border: #d9dee5;
  --surface: #f5f7fa;
  --grid: #e6e9ee;
  --accent: #2563eb;
  --accent-2: #ea580c;
  --accent-3: #059669;
  --accent-4: #9333ea;
  --other: #94a3b8;
  --front: #059669;
  --window: #475569;
  --throttle: rgba(220, 38, 38, 0.16);
  --warn-bg: #fff7e6;
  --warn-fg: #8a4b00;
  --bad-fg: #b91c1c;
  --ok-fg: #047857;
  --sim-bg: #b91c1c;
  --sim-fg: #ffffff;
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
@media screen and (prefers-color-scheme: dark) {
  :root:not(.printing) {
    --bg: #0e1319;
    --fg: #e4e9f0;
    --muted: #9aa5b4;
    --border: #2c3542;
    --surface: #161d26;
    --grid: #243040;
    --accent: #60a5fa;
    --accent-2: #fb923c;
    --accent-3: #34d399;
    --accent-4: #c084fc;
    --other: #64748b;
    --front: #34d399;
    --window: #cbd5e1;
    --throttle: rgba(248, 113, 113, 0.2);
    --warn-bg: #2d2210;
    --warn-fg: #fbbf6a;
    --bad-fg: #f87171;
    --ok-fg: #34d399;
    --sim-bg: #991b1b;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body {
  margin: 0 auto;
  max-width: 1180px;
  padding: 0 28px 48px;
  font: 15px/1.5 var(--font);
  background: var(--bg);
  color: var(--fg);
}
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0.6rem 0 0.2rem; letter-spacing: -0.01em; }
h2 {
  font-size: 1.3rem;
  margin: 2.4rem 0 0.6rem;
  padding-bottom: 0.3rem;
  border-bottom: 2px solid var(--border);
}
h3 { font-size: 1.05rem; margin: 1.4rem 0 0.4rem; }
p { margin: 0.4rem 0 0.8rem; }
.lead { color: var(--muted); margin-top: 0; }
.note { color: var(--muted); font-size: 0.9rem; }
code, .mono { font-family: var(--mono); font-size: 0.88em; }
a { color: var(--accent); }
.sim-banner {
  margin: 0 -28px;
  padding: 10px 28px;
  background: var(--sim-bg);
  color: var(--sim-fg);
  font-weight: 700;
  letter-spacing: 0.02em;
  -webkit-print-color-adjust: exact;
  print-color-adjust: exact;
}
.sim-banner strong { font-size: 1.05rem; margin-right: 0.5em; }
header { padding-top: 8px; }
nav { margin: 0.8rem 0 0; display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 0.92rem; }
nav a { text-decoration: none; }
nav a:hover { text-decoration: underline; }
.facts {
  display: grid;
  grid-template-columns: repeat(auto-fill, minmax(260px, 1fr));
  gap: 10px 28px;
  margin: 1rem 0 0;
  padding: 14px 18px;
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: 8px;
}
.facts div { min-width: 0; }
.facts dt { font-size: 0.8rem; font-weight: 600; color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.badge {
  display: inline-block;
  padding: 0 8px;
  border-radius: 999px;
  font-size: 0.85rem;
  font-weight: 600;
  border: 1px solid currentColor;
}
.status-ok { color: var(--ok-fg); }
.status-bad { color: var(--bad-fg); }
.status-other { color: var(--warn-fg); }
.table-wrap { overflow-x: auto; margin: 0.6rem 0 1rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 6px; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--border); vertical-align: top; text-align: left; }
thead th {
  font-size: 0.82rem;
  font-weight: 600;
  color: var(--muted);
  border-bottom: 2px solid var(--border);
  vertical-align: bottom;
}
tbody tr:hover { background: var(--surface); }
th.num { text-align: right; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.sweep span { display: block; white-space: nowrap; }
td.nowrap, code.nowrap { white-space: nowrap; }
td .ci { display: block; color: var(--muted); font-size: 0.82rem; }
.flag { color: var(--warn-fg); font-weight: 700; }
.front-mark { color: var(--front); font-weight: 700; }
.chart {
  width: 100%;
  min-height: 440px;
  margin: 0.6rem 0 0.4rem;
  border: 1px solid var(--border);
  border-radius: 8px;
  background: var(--bg);
}
.chart-empty { display: flex; align-items: center; justify-content: center; color: var(--muted); }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; margin: 0.6rem 0; }
.controls label { font-weight: 600; }
select, button {
  font: inherit;
  color: var(--fg);
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: 6px;
  padding: 4px 8px;
}
select { max-width: 100%; }
button { cursor: pointer; }
.run-link { font-family: var(--mono); font-size: 0.85rem; text-decoration: none; }
a.run-link:hover { text-decoration: underline; }
.warning-group { border: 1px solid var(--border); border-radius: 8px; margin: 0.6rem 0; padding: 0 14px; }
.warning-group > summary { cursor: pointer; padding: 10px 0; font-weight: 600; }
.warning-group > summary .count { color: var(--muted); font-weight: 400; margin-left: 0.5em; }
.warning-group ul { margin: 0 0 12px; padding-left: 1.2rem; }
.study-warnings { background: var(--warn-bg); color: var(--warn-fg); border-radius: 8px; padding: 10px 14px 10px 32px; }
.failure { color: var(--bad-fg); }
footer { margin-top: 3rem; padding-top: 1rem; border-top: 1px solid var(--border); color: var(--muted); font-size: 0.85rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .sim-banner { margin: 0; }
  nav, .controls button, .no-print { display: none !important; }
  h2 { break-after: avoid; }
  .chart, table, .warning-group, .facts { break-inside: avoid; }
  .chart { border: none; }
  .table-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  tbody tr:hover { background: none; }
}
`;
