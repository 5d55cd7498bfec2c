#!/usr/bin/env node
// Prints the summary table of a validation run: node bench/gpu/summarize.mjs DIR [--json]
import { existsSync } from "node:fs";
import { join } from "node:path";
import { summaryRows, summaryTable } from "./kit/summary.mjs";

const [dir, flag] = process.argv.slice(2);
if (!dir || dir === "-h" || dir === "--help") {
  console.log("Usage: node bench/gpu/summarize.mjs DIR [--json]\n\nPrints the figures that matter of a bench/gpu/validate.mjs run in DIR as a Markdown table (--json: as rows).");
  process.exit(dir ? 0 : 2);
}
if (!existsSync(join(dir, "00-run.json"))) {
  console.error(`summarize: ${dir} holds no 00-run.json: give the --out directory of a bench/gpu/validate.mjs run.`);
  process.exit(2);
}
console.log(flag === "--json" ? JSON.stringify(summaryRows(dir), null, 2) : summaryTable(dir));
