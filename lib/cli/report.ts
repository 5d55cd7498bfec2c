/** `lem report DIR`: write a study's HTML report (self-contained: charts, timelines, warnings). */
import { parseArgs } from "node:util";
import { execa } from "execa";
import { LemError } from "../errors.js";
import { DEFAULT_MAX_POINTS_PER_RUN, writeReport } from "../report/index.js";
import { UsageError } from "./output.js";

export const reportHelp = `Usage: lem report STUDY_DIR [--output FILE] [--max-points N] [--open]

Write one HTML file that shows a study: its summary and environment, the energy per output
token of each configuration with 95 % bootstrap intervals, energy per output token against
throughput with the Pareto front marked, the power and temperature timeline of any run (with
the measurement window and throttle episodes), and the warnings grouped by code. The file
embeds its charting library and data: it opens offline, in any browser, and prints.

Options:
  -o, --output FILE   where to write (default STUDY_DIR/report.html); --out is the same
  --max-points N      most points per run for each of power and temperature, all GPUs
                      together (default ${DEFAULT_MAX_POINTS_PER_RUN}); longer timelines are downsampled
                      keeping each time slice's first, last, lowest and highest sample
  --open              open the report in the default browser when written
                      (xdg-open on Linux, open on macOS, start on Windows)
  -h, --help          show this help

Examples:
  lem report results/my-study_20261123-101500
  lem report results/my-study_20261123-101500 --output ~/reports/my-study.html --open
`;

/** An opener for the platform's default browser. */
function opener(file: string): { command: string; args: string[] } {
  if (process.platform === "darwin") return { command: "open", args: [file] };
  if (process.platform === "win32") return { command: "cmd", args: ["/c", "start", '""', file] };
  return { command: "xdg-open", args: [file] };
}

/** The report could not be opened in a browser (it was written all the same). */
export class ReportOpenError extends LemError {
  constructor(message: string) {
    super("LEM_REPORT_OPEN", message);
  }
}

/** Starts the browser and leaves it running: waits only until the opener has started. */
async function openInBrowser(file: string): Promise<void> {
  const { command, args } = opener(file);
  const child = execa(command, args, { detached: true, stdio: "ignore", reject: false, cleanup: false });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", reject);
    });
  } catch (error) {
    throw new ReportOpenError(`wrote the report, but could not open it with ${command}: ${(error as Error).message}. Open ${file} in a browser yourself.`);
  }
  child.unref();
}

function parseMaxPoints(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 4) throw new UsageError(`--max-points must be a whole number >= 4, got "${text}"`);
  return n;
}

export async function runReport(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(reportHelp);
    return 0;
  }
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: "string", short: "o" }, output: { type: "string" }, "max-points": { type: "string" }, open: { type: "boolean" } },
    strict: true,
  });
  if (positionals.length !== 1) {
    throw new UsageError(
      `lem report takes one study directory${positionals.length ? `, got: ${positionals.join(" ")}` : ' (see "lem results list")'}. See "lem report --help".`,
    );
  }
  // --output as everywhere else in lem; -o/--out kept.
  if (values.out !== undefined && values.output !== undefined && values.out !== values.output) {
    throw new UsageError(`lem report got two destinations, --out ${values.out} and --output ${values.output}: give one. See "lem report --help".`);
  }
  const out = values.output ?? values.out;
  const maxPointsPerRun = parseMaxPoints(values["max-points"]);
  const written = await writeReport(positionals[0]!, {
    ...(out !== undefined ? { out } : {}),
    ...(maxPointsPerRun !== undefined ? { maxPointsPerRun } : {}),
  });
  const size = written.bytes >= 1024 * 1024 ? `${(written.bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(written.bytes / 1024)} KiB`;
  process.stderr.write(`lem: wrote the report of ${written.runs} run(s), ${size}, to ${written.path}\n`);
  process.stdout.write(`${written.path}\n`);
  if (values.open) await openInBrowser(written.path);
  return 0;
}
