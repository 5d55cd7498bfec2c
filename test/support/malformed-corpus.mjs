// Runs every case of the malformed-input corpus (test/fixtures/malformed/manifest.json)
// through the real lem command line in this process (dist/cli/lem.js: the same main() the
// executable runs, without a Node start per case), and classifies each outcome:
//   clear            the expected exit code, every expected word, no stack trace or internal
//                    error, no raw control bytes, a bounded message;
//   unclear          rejected, but the message fails one of those checks (reasons say which);
//   accepted-wrongly exit 0: lem took the bad input.
// Used by test/malformed-corpus.test.ts and bench/malformed/run.mjs. Needs `npx tsc -p .` first.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const fixture = fileURLToPath(new URL("../fixtures/malformed", import.meta.url));
const lemBin = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
export const MAX_MESSAGE_CHARS = 3000;
// Raw control bytes other than newline and tab (ESC included: no TTY here, so no colour).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

export function loadCorpus() {
  return JSON.parse(readFileSync(join(fixture, "manifest.json"), "utf8")).cases;
}

/** Copies the fixture folder, replacing {F} in the study directories' files with the copy's path. */
function freshCopy() {
  const root = mkdtempSync(join(tmpdir(), "lem-malformed-"));
  cpSync(fixture, root, { recursive: true });
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".json")) writeFileSync(p, readFileSync(p, "latin1").replaceAll("{F}", root), "latin1");
    }
  };
  walk(join(root, "dirs"));
  return root;
}

export function classify(c, exit, output) {
  if (exit === 0) return { outcome: "accepted-wrongly", reasons: ["exit 0"] };
  const reasons = [];
  if (exit !== c.exit) reasons.push(`exit ${exit}, expected ${c.exit}`);
  if (/internal error/.test(output)) reasons.push("internal error");
  if (/\n\s+at /.test(output)) reasons.push("stack trace");
  if (CONTROL.test(output)) reasons.push("raw control bytes");
  if (output.length > MAX_MESSAGE_CHARS) reasons.push(`${output.length} characters (over ${MAX_MESSAGE_CHARS})`);
  const lower = output.toLowerCase();
  for (const word of c.says) if (!lower.includes(word.toLowerCase())) reasons.push(`does not say ${JSON.stringify(word)}`);
  return { outcome: reasons.length ? "unclear" : "clear", reasons };
}

/** Runs main(args) with stdout and stderr captured; a case that takes over timeoutMs counts as hung. */
async function runInProcess(main, args, timeoutMs) {
  let output = "";
  const out = process.stdout.write;
  const err = process.stderr.write;
  const capture = (chunk) => {
    output += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  };
  process.stdout.write = capture;
  process.stderr.write = capture;
  let timer;
  try {
    const exit = await Promise.race([
      main(args),
      new Promise((resolveTimeout) => {
        timer = setTimeout(() => resolveTimeout("hung"), timeoutMs);
      }),
    ]);
    return { exit, output };
  } finally {
    clearTimeout(timer);
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/**
 * A case that may exhaust memory (marked "isolate") runs in its own Node with a small heap, so
 * that a crash is that case's outcome and not the corpus's end.
 */
function runIsolated(args, timeoutMs) {
  const r = spawnSync(process.execPath, ["--max-old-space-size=512", lemBin, ...args], { encoding: "utf8", timeout: timeoutMs, env: process.env });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`.slice(0, 20_000);
  if (r.status === null) return { exit: "hung", output: `${output}\n[stopped by ${r.signal}]` };
  return { exit: r.status, output };
}

/** Every case, run and classified (skipFixedElsewhere: leave out the cases another branch fixes). */
export async function runCorpus({ timeoutMs = 15_000, skipFixedElsewhere = false } = {}) {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (k.startsWith("LEM_") || k === "CUDA_VISIBLE_DEVICES") delete process.env[k];
  const locks = mkdtempSync(join(tmpdir(), "lem-malformed-locks-"));
  process.env.LEM_NVML_LIBRARY = "/nonexistent/libnvidia-ml.so.1";
  process.env.LEM_CUDA_LIBRARY = "/nonexistent/libcuda.so.1";
  process.env.LEM_LOCK_DIR = locks;
  const { main } = await import("../../dist/cli/lem.js");
  const results = [];
  try {
    // Study files are only read: one copy serves them all; a case on a study directory gets its own.
    const shared = freshCopy();
    for (const c of loadCorpus()) {
      if (skipFixedElsewhere && c.fixedElsewhere) continue;
      const own = c.args.some((a) => a.includes("{F}/dirs/"));
      const root = own ? freshCopy() : shared;
      try {
        const args = c.args.map((a) => a.replaceAll("{F}", root));
        const t0 = performance.now();
        const { exit, output } = c.isolate ? runIsolated(args, timeoutMs) : await runInProcess(main, args, timeoutMs);
        const shown = output.replaceAll(root, "{F}");
        const verdict = classify(c, exit === "hung" ? -1 : exit, shown);
        results.push({ id: c.id, ...verdict, exit, durationMs: Math.round(performance.now() - t0), message: shown.slice(0, 600), ...(c.fixedElsewhere ? { fixedElsewhere: c.fixedElsewhere } : {}) });
      } finally {
        if (own) rmSync(root, { recursive: true, force: true });
      }
    }
    rmSync(shared, { recursive: true, force: true });
  } finally {
    rmSync(locks, { recursive: true, force: true });
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
  return results;
}

export function countOutcomes(results) {
  const counts = { cases: results.length, clear: 0, unclear: 0, "accepted-wrongly": 0 };
  for (const r of results) counts[r.outcome]++;
  return counts;
}
