// The summary table of a validation run: the figures that matter, read from the step JSON files.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { readJson } from "./common.mjs";

const f = (x, digits = 1) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "—");
const pct = (x) => (typeof x === "number" && Number.isFinite(x) ? `${(x * 100).toFixed(2)} %` : "—");

function stepFile(dir, id) {
  const name = readdirSync(dir).find((n) => n.startsWith(`${String(id).padStart(2, "0")}-`) && n.endsWith(".json"));
  return name ? readJson(join(dir, name)) : undefined;
}

/** Rows [figure, value, note] of a run directory. */
export function summaryRows(dir) {
  const rows = [];
  const add = (figure, value, note = "") => rows.push([figure, value, note]);
  const run = readJson(join(dir, "00-run.json")) ?? {};
  add("GPU", run.gpu ? `${run.gpu.name} (${run.gpu.uuid})` : "none found", `driver ${run.nvml?.driverVersion ?? "?"}, NVML ${run.nvmlLibrary ?? "?"}`);
  for (const s of run.steps ?? []) add(`step ${s.step} ${s.name}`, s.status ?? "?", s.reason ? s.reason.slice(0, 160) : s.durationS != null ? `${f(s.durationS)} s` : "");

  const nvml = stepFile(dir, 2);
  for (const r of nvml?.updatePeriods?.readings ?? []) {
    // Changes under a millisecond apart: the reading is computed at each read, it has no period to show.
    const continuous = r.intervalMs && r.intervalMs.median < 1;
    add(`update period ${r.reading}`, !r.available ? "unsupported" : continuous ? `continuous (${f(r.intervalMs.median, 3)} ms)` : r.intervalMs ? `${f(r.intervalMs.median)} ms` : "no change seen",
      r.available ? `${r.changes} changes in ${f(nvml.updatePeriods.durationS)} s; p10-p90 ${f(r.intervalMs?.p10)}-${f(r.intervalMs?.p90)} ms; ${f(r.readsPerS, 0)} reads/s` : r.error ?? "");
  }
  for (const l of nvml?.callLatency?.functions ?? []) {
    add(`latency ${l.function}`, l.latencyUs ? `${f(l.latencyUs.median, 2)} µs` : l.available ? `fails: ${l.firstError}` : "absent",
      l.latencyUs ? `p99 ${f(l.latencyUs.p99, 2)} µs, max ${f(l.latencyUs.max, 0)} µs, ${l.calls} calls` : "");
  }

  const energy = stepFile(dir, 3);
  for (const w of ["idle", "loaded"]) {
    const e = energy?.[w];
    if (!e) continue;
    if (!e.figures) {
      add(`energy ${w} window`, e.skipped ? "skipped" : "failed", (e.skipped ?? e.failed ?? "").slice(0, 160));
      continue;
    }
    const x = e.figures;
    add(`energy ${w}: counter`, `${f(x.counterJ, 2)} J`, `${f(x.durationS, 2)} s, mean ${f(x.meanPowerW)} W, counter period ${f(x.counterPeriodMs)} ms`);
    add(`energy ${w}: instant integral vs counter`, pct(x.instantVsCounter), `${f(x.instantIntegralJ, 2)} J`);
    add(`energy ${w}: average integral vs counter`, pct(x.averageVsCounter), `${f(x.averageIntegralJ, 2)} J`);
    add(`energy ${w}: baseline, adjusted`, `${f(x.baselinePowerW)} W`, `${f(x.adjustedEnergyJ, 2)} J adjusted; throttle ${x.throttle?.reasons?.join(",") || "none"}`);
  }

  const sampler = stepFile(dir, 4);
  for (const p of sampler?.phases ?? []) {
    const l = p.lem;
    const py = p.python ?? {};
    add(`sampler ${p.targetHz} Hz ${p.mode}: lem`, `${f(l.achievedHz)} Hz`,
      `lateness p50/p99/max ${f(l.latenessMs?.p50, 3)}/${f(l.latenessMs?.p99, 3)}/${f(l.latenessMs?.max, 2)} ms; CPU ${pct(l.threadCpuShare)}; ${f(l.distinctPowerPerS)} power values/s`);
    add(`sampler ${p.targetHz} Hz ${p.mode}: pynvml`, py.achievedHz != null ? `${f(py.achievedHz)} Hz` : py.skipped ? "skipped" : "failed",
      py.achievedHz != null
        ? `lateness p50/p99/max ${f(py.latenessMs?.p50, 3)}/${f(py.latenessMs?.p99, 3)}/${f(py.latenessMs?.max, 2)} ms; CPU ${pct(py.threadCpuShare)}; ${f(py.distinctPowerPerS)} power values/s; lem/pynvml rate ${f(p.lemOverPython?.achievedHz, 2)}`
        : (py.skipped ?? py.failed ?? "").slice(0, 160));
  }

  const residual = stepFile(dir, 6);
  if (residual?.whileHeld) {
    add("residual memory: child named", residual.whileHeld.childNamed ? `yes (${residual.whileHeld.childNamed.usedMiB ?? "?"} MiB)` : "no",
      `residual ${residual.whileHeld.report?.devices?.[0]?.residualMiB ?? "?"} MiB while held`);
    add("residual memory: release after exit", residual.afterExit ? `${residual.afterExit.releaseWaitMs} ms` : "—", residual.afterExit?.report?.clean ? "clean" : "not clean");
  }
  const study = stepFile(dir, 5);
  if (study?.study?.manifest) {
    const runs = study.study.manifest.runs ?? [];
    add("study runs", `${runs.filter((r) => r.status === "completed").length}/${runs.length} completed`, study.study.dir);
  }
  return rows;
}

/** The rows as a Markdown table. */
export function summaryTable(dir) {
  const rows = summaryRows(dir);
  const esc = (s) => String(s).replaceAll("|", "\\|").replaceAll("\n", " ");
  return ["| figure | value | note |", "| --- | --- | --- |", ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`)].join("\n");
}
