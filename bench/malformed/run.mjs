// The malformed-input corpus (test/fixtures/malformed): how many bad inputs lem rejects
// clearly, unclearly, or accepts wrongly. Goal: all clear, none accepted. Writes a JSON report
// under bench/results/ (or --out FILE). Run `npx tsc -p .` first.
//
//   node bench/malformed/run.mjs [--out FILE]
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { countOutcomes, runCorpus } from "../../test/support/malformed-corpus.mjs";

const { values } = parseArgs({ options: { out: { type: "string" } } });
const here = dirname(fileURLToPath(import.meta.url));
const out = values.out ?? join(here, "..", "results", `${new Date().toISOString().slice(0, 10)}-malformed-corpus.json`);
const { version } = await import("../../dist/version.js");
const t0 = performance.now();
const results = await runCorpus();
const report = {
  benchmark: "malformed-corpus",
  lem: version,
  date: new Date().toISOString(),
  durationS: Number(((performance.now() - t0) / 1000).toFixed(2)),
  ...countOutcomes(results),
  notClear: results.filter((r) => r.outcome !== "clear").map(({ id, outcome, exit, reasons, fixedElsewhere }) => ({ id, outcome, exit, reasons, ...(fixedElsewhere ? { fixedElsewhere } : {}) })),
  results,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify({ cases: report.cases, clear: report.clear, unclear: report.unclear, acceptedWrongly: report["accepted-wrongly"], durationS: report.durationS })}\n${out}\n`);
process.exit(0);
