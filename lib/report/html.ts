/**
 * The report page: one HTML document holding its stylesheet, the charting library, the data
 * (inline JSON) and the script that draws the charts. Text and tables are rendered here, so
 * they read (and print) without running any script; the charts are drawn in the browser.
 */
import { CLIENT_SCRIPT } from "./client-script.js";
import { escapeHtml, jsonForScript, scriptForInline } from "./escape.js";
import { formatDateTime, formatDurationS, formatFigure, formatMeanInterval, formatRounded, formatValue } from "./format.js";
import type { FigureSummary, ReportConfiguration, ReportData, ReportRun } from "./report-data.js";
import { REPORT_CSS } from "./styles.js";

/** The charting library to embed: its source and a line naming it (version, licence). */
export interface EmbeddedLibrary {
  source: string;
  credit: string;
}

const h = escapeHtml;

function fact(label: string, valueHtml: string): string {
  return `<div><dt>${h(label)}</dt><dd>${valueHtml}</dd></div>`;
}

function table(headers: { text: string; num?: boolean }[], rows: string[][], caption?: string): string {
  const head = headers.map((c) => `<th scope="col"${c.num ? ' class="num"' : ""}>${h(c.text)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.join("")}</tr>`).join("\n");
  return `<div class="table-wrap"><table>${caption ? `<caption>${h(caption)}</caption>` : ""}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

const td = (text: string) => `<td>${h(text)}</td>`;
const tdNum = (text: string) => `<td class="num">${h(text)}</td>`;

function tdFigure(f: FigureSummary, scale = 1): string {
  const { mean, interval } = formatMeanInterval(f.mean, f.ci95, scale);
  return `<td class="num">${h(mean)}${interval ? `<span class="ci">${h(interval)}</span>` : ""}</td>`;
}

function statusClass(status: string): string {
  if (status === "completed") return "status-ok";
  if (status === "failed" || status === "interrupted" || status === "stopped") return "status-bad";
  return "status-other";
}

function badge(status: string): string {
  return `<span class="badge ${statusClass(status)}">${h(status)}</span>`;
}

function simulatedBanner(d: ReportData): string {
  if (!d.simulated) return "";
  const scenario = d.scenario ? ` (scenario "${d.scenario}")` : "";
  return `<div class="sim-banner" id="simulated-mark" role="note"><strong>SIMULATED GPU</strong>Every figure in this report comes from lem's simulated GPU${h(scenario)}: none is a measurement of real hardware.</div>`;
}

function header(d: ReportData): string {
  const s = d.study;
  const c = s.counts;
  const elapsed = s.startedAt && s.endedAt ? (Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000 : null;
  const runs = [
    `${c.completed} completed`,
    `${c.failed} failed`,
    ...(c.interrupted ? [`${c.interrupted} interrupted`] : []),
    ...(c.pending + c.running ? [`${c.pending + c.running} not run`] : []),
    ...(c.skipped ? [`${c.skipped} skipped`] : []),
  ].join(" · ");
  const plan =
    `${s.configurations} configuration${s.configurations === 1 ? "" : "s"}` +
    (s.cycles !== null ? ` × ${s.cycles} cycle${s.cycles === 1 ? "" : "s"}` : "") +
    (s.order ? `, ${s.order} order` : "");
  const facts = [
    fact("Status", badge(s.status)),
    fact("Runs", `${h(runs)} <span class="note">of ${s.plannedRuns} planned</span>`),
    fact("Plan", h(plan)),
    fact("Measured on", d.simulated ? `<strong class="status-bad">simulated GPU${d.scenario ? ` (${h(d.scenario)})` : ""}</strong>` : "real GPU (NVML)"),
    fact("Created", h(formatDateTime(s.createdAt))),
    fact("Ran", s.startedAt ? `${h(formatDateTime(s.startedAt))} → ${h(formatDateTime(s.endedAt))} <span class="note">(${h(formatDurationS(elapsed))})</span>` : "no run started"),
    fact("Study hash", `<code>${h(s.studyHash)}</code>`),
    fact("Directory", `<code>${h(s.dir)}</code>`),
  ];
  return `<header>
${simulatedBanner(d)}
<h1>${h(s.name)}</h1>
<p class="lead">lem study report · generated ${h(formatDateTime(d.generatedAt))} by lem ${h(d.reportLemVersion)}</p>
<dl class="facts">${facts.join("")}</dl>
<nav class="no-print" aria-label="Sections"><a href="#environment">Environment</a><a href="#energy">Energy per output token</a><a href="#pareto">Energy vs throughput</a><a href="#timeline">Timeline</a><a href="#runs">Runs</a><a href="#warnings">Warnings (${d.warningGroups.length + d.study.warnings.length})</a></nav>
</header>`;
}

function environmentSection(d: ReportData): string {
  const e = d.environment;
  const engines = d.study.engines;
  const engineTable = engines.length
    ? table(
        [{ text: "Backend" }, { text: "Engine version" }, { text: "Model" }, { text: "Runs", num: true }],
        engines.map((x) => [td(x.backend), td(x.engineVersion ?? "not reported"), td(x.model), tdNum(String(x.runs))]),
        "Engines",
      )
    : `<p class="note">No run has a result, so no engine is known.</p>`;
  if (!e) {
    return `<section id="environment"><h2>Environment</h2><p class="note">No readable environment snapshot (environment.json is missing or not one this lem reads, and no result holds one).</p>${engineTable}</section>`;
  }
  const gpuNames = [...new Set(e.gpus.map((g) => g.name))].map((n) => `${e.gpus.filter((g) => g.name === n).length} × ${n}`).join(", ");
  const facts = [
    fact("GPUs", h(gpuNames || `none available${e.gpuUnavailableReason ? `: ${e.gpuUnavailableReason}` : ""}`)),
    fact("Driver", h(e.driverVersion ?? "n/a")),
    fact("CUDA (driver supports)", h(e.cudaDriverVersion ?? "n/a")),
    fact("CUDA runtime", h(e.cudaRuntimeVersion ? `${e.cudaRuntimeVersion} (${e.cudaRuntimeSource})` : "not found")),
    fact("NVML", h(e.nvmlVersion ?? "n/a")),
    fact("GPU source", `<code>${h(e.gpuSource ?? "none")}</code>`),
    fact("lem", h(d.study.lemVersion && d.study.lemVersion !== e.lemVersion ? `${e.lemVersion} (study.json: ${d.study.lemVersion})` : e.lemVersion)),
    fact("Node.js", h(e.node)),
    fact("Operating system", h(e.os)),
    fact("CPU", h(e.cpu)),
    fact("Memory", h(`${formatRounded(e.memoryTotalMiB / 1024, 1)} GiB`)),
    fact("Python", h(e.python ?? "not recorded")),
  ];
  const gpuTable = e.gpus.length
    ? table(
        [
          { text: "GPU" },
          { text: "Name" },
          { text: "Architecture" },
          { text: "Memory (GiB)", num: true },
          { text: "Power limit (W)", num: true },
          { text: "Persistence" },
          { text: "MIG" },
          { text: "UUID" },
        ],
        e.gpus.map((g) => [
          tdNum(String(g.index)),
          td(g.name),
          td(g.architecture ?? "n/a"),
          tdNum(g.memoryTotalMiB === null ? "n/a" : formatRounded(g.memoryTotalMiB / 1024, 1)),
          tdNum(g.powerLimitW === null ? "n/a" : formatRounded(g.powerLimitW, 1)),
          td(g.persistenceMode === null ? "n/a" : g.persistenceMode ? "on" : "off"),
          td(g.migEnabled === null ? "n/a" : g.migEnabled ? "on" : "off"),
          `<td><code class="nowrap">${h(g.uuid)}</code></td>`,
        ]),
        "GPUs",
      )
    : "";
  const packages = e.enginePackages.length
    ? `<p><strong>Python packages:</strong> ${e.enginePackages.map((p) => `<code>${h(p.name)}${p.version ? `==${h(p.version)}` : ""}</code>`).join(", ")}</p>`
    : "";
  return `<section id="environment">
<h2>Environment</h2>
<p class="note">From the snapshot taken ${h(formatDateTime(e.takenAt))} (${h(e.source)}).</p>
<dl class="facts">${facts.join("")}</dl>
${gpuTable}
${engineTable}
${packages}
</section>`;
}

function sweepCell(c: ReportConfiguration): string {
  const entries = Object.entries(c.sweepValues);
  if (!entries.length) return `<td class="note">none swept</td>`;
  return `<td class="sweep">${entries.map(([k, v]) => `<span>${h(`${k} = ${formatValue(v)}`)}</span>`).join("")}</td>`;
}

function maxCvText(c: ReportConfiguration): string {
  const cvs = [c.energyPerOutputTokenJ.cv, c.energyPerRequestJ.cv, c.outputTokensPerS.cv, c.energyJ.cv].filter((v): v is number => v !== null);
  return cvs.length ? `${(Math.max(...cvs) * 100).toFixed(1)} %` : "n/a";
}

function configurationTable(d: ReportData): string {
  return table(
    [
      { text: "Configuration" },
      { text: "Swept values" },
      { text: "Runs", num: true },
      { text: "Energy / output token (mJ)", num: true },
      { text: "Throughput (output tokens/s)", num: true },
      { text: "Energy / request (J)", num: true },
      { text: "Max CV", num: true },
      { text: "Front" },
    ],
    d.configurations.map((c) => [
      `<td><strong>${h(c.slug)}</strong>${c.name !== c.slug ? `<br><span class="note">${h(c.name)}</span>` : ""}<br><span class="note hardware">${h(c.hardware)}</span></td>`,
      sweepCell(c),
      tdNum(`${c.runsCompleted}${c.runsFailed ? ` (+${c.runsFailed} failed)` : ""}`),
      tdFigure(c.energyPerOutputTokenJ, 1000),
      tdFigure(c.outputTokensPerS),
      tdFigure(c.energyPerRequestJ),
      `<td class="num">${h(maxCvText(c))}${c.highVariation ? ' <span class="flag" title="the cycles disagree by more than the CV threshold">!</span>' : ""}</td>`,
      c.onParetoFront ? `<td class="nowrap"><span class="front-mark" title="on the Pareto front">◆ yes</span></td>` : td("no"),
    ]),
  );
}

function energySection(d: ReportData): string {
  const flagged = d.configurations.some((c) => c.highVariation);
  return `<section id="energy">
<h2>Energy per output token</h2>
<p>The energy all measured GPUs drew over each run's measurement window, divided by the output tokens it produced. Bars are the mean over a configuration's completed cycles; whiskers its 95 % confidence interval (${h(d.study.intervalMethod)}); open circles are the single runs.${d.study.statisticsFromResults ? " study.json is absent (the study did not finish): the statistics were computed from the results on disk." : ""}</p>
<p class="note">Figures are stratified by hardware: runs of one configuration on different GPU models, drivers or power limits are separate rows, never pooled.${new Set(d.configurations.map((c) => c.hardware)).size > 1 ? " <strong>This study ran on more than one kind of hardware</strong> (see the warnings above)." : ""}</p>
<div class="chart" id="chart-energy" role="img" aria-label="Energy per output token by configuration, with 95 % confidence intervals"></div>
${configurationTable(d)}
${flagged ? `<p class="note"><span class="flag">!</span> the cycles of this configuration disagree by more than 5 % (coefficient of variation) on some figure: read its numbers with care (throttling, temperature drift, too few cycles).</p>` : ""}
</section>`;
}

function paretoSection(d: ReportData): string {
  const front = d.configurations.filter((c) => c.onParetoFront).map((c) => c.slug);
  return `<section id="pareto">
<h2>Energy per output token vs throughput</h2>
<p>Each point is a configuration: its mean throughput (output tokens per second over the window) against its mean energy per output token, with 95 % intervals on both. Lower energy and higher throughput are better, so the best configurations lie towards the bottom right. A configuration is on the <strong>Pareto front</strong> (joined by the dashed line) when no other configuration is at least as good on both figures and better on one; each configuration off the front has one on the front that matches or beats it on both. Moving along the front trades energy for speed: choose on it.</p>
<div class="chart" id="chart-pareto" role="img" aria-label="Energy per output token against throughput, Pareto front marked"></div>
<p class="note">On the front: ${front.length ? front.map((s) => `<strong>${h(s)}</strong>`).join(", ") : "none (no configuration has both figures)"}. Overlapping intervals mean the difference between two configurations is within the spread of their cycles.</p>
</section>`;
}

function runOption(r: ReportRun, i: number): string {
  const text = `${r.label} · ${r.slug} · cycle ${r.cycle + 1} · ${r.status}${r.timeline ? "" : " (no timeline)"}`;
  return `<option value="${i}"${r.timeline ? "" : " disabled"}>${h(text)}</option>`;
}

function timelineSection(d: ReportData): string {
  return `<section id="timeline">
<h2>Power and temperature timeline</h2>
<p>Every sample of a run's <code>timeseries.parquet</code>, per GPU: power on the left axis, temperature (dotted) on the right. Dashed lines mark the measurement window (only the energy inside it counts); shaded bands are throttle episodes (a clock-lowering reason: thermal slowdown, power cap, power brake). Long runs are downsampled to at most ${d.maxPointsPerRun} points per run for each of power and temperature, keeping the first, last, lowest and highest sample of each time slice, so peaks and dips stay visible.</p>
<div class="controls no-print">
<label for="run-select">Run</label>
<select id="run-select">${d.runs.map(runOption).join("")}</select>
<button type="button" id="run-prev" aria-label="previous run">◀ previous</button>
<button type="button" id="run-next" aria-label="next run">next ▶</button>
</div>
<div class="chart" id="chart-timeline" role="img" aria-label="Power and temperature timeline of the selected run"></div>
<div id="timeline-details" class="note"></div>
</section>`;
}

/** "attempt 2 of a run measured again; attempt 1 failed: …": nothing of an earlier attempt goes unsaid. */
function earlierAttemptsNote(r: ReportData["runs"][number]): string {
  if (r.earlierAttempts.length === 0) return "";
  const items = r.earlierAttempts.map(
    (a) => `<li>attempt ${a.attempt}: ${h(a.status)}${a.error ? ` (${h(a.error)})` : ""}${a.evidence ? `, files in <code>${h(a.evidence)}</code>` : ""}</li>`,
  );
  return `<br><span class="note">attempt ${r.attempts}; earlier:</span><ul class="attempts">${items.join("")}</ul>`;
}

function runsSection(d: ReportData): string {
  const rows = d.runs.map((r, i) => [
    r.timeline ? `<td><a class="run-link" href="#timeline" data-run="${i}">${h(r.label)}</a></td>` : `<td class="run-link">${h(r.label)}</td>`,
    td(r.slug),
    tdNum(String(r.cycle + 1)),
    `<td>${badge(r.status)}${r.error ? `<br><span class="failure">${h(r.error)}</span>` : ""}${earlierAttemptsNote(r)}</td>`,
    tdNum(formatFigure(r.energyJ)),
    tdNum(r.energyPerOutputTokenJ === null ? "n/a" : formatFigure(r.energyPerOutputTokenJ * 1000)),
    tdNum(formatFigure(r.outputTokensPerS)),
    tdNum(formatFigure(r.windowS)),
    tdNum(String(r.warnings.length)),
  ]);
  return `<section id="runs">
<h2>Runs</h2>
<p class="note">In execution order (the name starts with the position, then the cycle). Select a run's name to show its timeline. A failed or interrupted run is measured again when the study is resumed (<code>lem run --resume</code>); the files of each earlier attempt are kept in <code>attempt-N/</code> of its run directory, and the figures are the last attempt's.</p>
${table(
  [
    { text: "Run" },
    { text: "Configuration" },
    { text: "Cycle", num: true },
    { text: "Status" },
    { text: "Energy (J)", num: true },
    { text: "Energy / output token (mJ)", num: true },
    { text: "Throughput (output tokens/s)", num: true },
    { text: "Window (s)", num: true },
    { text: "Warnings", num: true },
  ],
  rows,
)}
</section>`;
}

function warningsSection(d: ReportData): string {
  const parts: string[] = [];
  if (d.study.warnings.length) {
    parts.push(`<h3>Study</h3><ul class="study-warnings">${d.study.warnings.map((w) => `<li>${h(w)}</li>`).join("")}</ul>`);
  }
  if (d.study.invalidPoints.length) {
    parts.push(
      `<h3>Sweep points skipped as invalid</h3><ul>${d.study.invalidPoints
        .map((p) => `<li><code>${h(Object.entries(p.sweepValues).map(([k, v]) => `${k}=${formatValue(v)}`).join(", "))}</code>: ${h(p.reason)}</li>`)
        .join("")}</ul>`,
    );
  }
  const failed = d.runs.filter((r) => r.status === "failed" || r.status === "interrupted");
  if (failed.length) {
    parts.push(
      `<h3>Failed runs</h3><ul>${failed.map((r) => `<li><code>${h(r.label)}</code> ${badge(r.status)} <span class="failure">${h(r.error ?? "no error recorded")}</span></li>`).join("")}</ul>`,
    );
  }
  if (d.warningGroups.length) {
    const total = d.runs.length;
    parts.push(`<h3>Run warnings, by code</h3>`);
    for (const g of d.warningGroups) {
      const items = g.runs.map((r) => `<li><code>${h(r.label)}</code>: ${r.messages.map(h).join(" ")}</li>`).join("");
      parts.push(
        `<details class="warning-group" open><summary><code>${h(g.code)}</code><span class="count">${g.runs.length} of ${total} run${total === 1 ? "" : "s"}</span></summary><ul>${items}</ul></details>`,
      );
    }
  }
  return `<section id="warnings">
<h2>Warnings</h2>
${parts.length ? parts.join("\n") : `<p>No warnings: no run raised one, and the study recorded none.</p>`}
</section>`;
}

/** The whole report page for `d`, with `plotly` embedded. */
export function renderReportHtml(d: ReportData, plotly: EmbeddedLibrary): string {
  const title = `${d.simulated ? "SIMULATED GPU · " : ""}${d.study.name} · lem report`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lem ${h(d.reportLemVersion)}">
<title>${h(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${header(d)}
<main>
<noscript><p class="study-warnings">The charts need JavaScript; the tables below read without it.</p></noscript>
${environmentSection(d)}
${energySection(d)}
${paretoSection(d)}
${timelineSection(d)}
${runsSection(d)}
${warningsSection(d)}
</main>
<footer>
<p>Written by lem ${h(d.reportLemVersion)} from <code>${h(d.study.dir)}</code>. This file is self-contained: it loads nothing from the network. Charts: ${h(plotly.credit)}, embedded.</p>
</footer>
<script type="application/json" id="lem-report-data">${jsonForScript(d)}</script>
<script>${scriptForInline(plotly.source)}</script>
<script>${scriptForInline(CLIENT_SCRIPT)}</script>
</body>
</html>
`;
}
