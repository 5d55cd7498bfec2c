// Every example that `lem --help` and `lem <command> --help` print runs as written, in a
// sandbox that holds what the examples name (see test/support/help-sandbox.ts), with `lem` on
// PATH and the simulated GPU standing in for the machine.
//
// Rule: an example exits 0. The one kind that runs until the user stops it, a `lem monitor`
// example without --duration, must still be running once it has shown its first table and
// 2 s have passed, and must exit 0 on Ctrl-C (SIGINT to its process group, as a terminal sends).
import { execa } from "execa";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { allHelpExamples, commandsOf, readHelp, runsUntilInterrupted, type HelpExample } from "./support/help-examples.js";
import { prepareHelpSandbox, sandboxEnv, sandboxFor, type HelpSandbox } from "./support/help-sandbox.js";

// Preparing the sandbox (a few small studies, a Python environment) overlaps reading the helps.
const preparing = prepareHelpSandbox();
preparing.catch(() => {}); // reported by beforeAll, not as an unhandled rejection
const examples = await allHelpExamples();
const titleOf = (e: HelpExample) => `lem ${e.help ? `${e.help} ` : ""}--help: ${e.line}`;

// The examples mostly wait (baselines, the example study's runs, sampling) rather than compute,
// so several run at once; more than about 8 only makes them fight over 2 cores as they start.
vi.setConfig({ maxConcurrency: 8 });

let sandbox: HelpSandbox | undefined;
beforeAll(async () => {
  sandbox = await preparing;
}, 120_000);
afterAll(async () => {
  const s = sandbox ?? (await preparing.catch(() => undefined));
  if (s) rmSync(s.root, { recursive: true, force: true });
});

/** What the example printed, for a failure message. */
const transcript = (r: { stdout: unknown; stderr: unknown }) => `\n--- stdout\n${String(r.stdout).slice(-3000)}\n--- stderr\n${String(r.stderr).slice(-3000)}`;

async function runToCompletion(line: string, dir: string) {
  return execa("bash", ["-c", line], { cwd: dir, env: sandboxEnv(dir), extendEnv: false, reject: false });
}

/** Starts the example in its own process group, waits for its first output and 2 s, then sends Ctrl-C. */
async function runUntilInterrupted(line: string, dir: string) {
  const startedMs = Date.now();
  const child = execa("bash", ["-c", line], {
    cwd: dir,
    env: sandboxEnv(dir),
    extendEnv: false,
    reject: false,
    detached: true,
  });
  let ended = false;
  const result = child.then((r) => {
    ended = true;
    return r;
  });
  try {
    await Promise.race([new Promise<void>((resolve) => child.stdout.once("data", () => resolve())), result]);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedMs + 2000 - Date.now())));
    const runningBeforeInterrupt = !ended;
    if (runningBeforeInterrupt) process.kill(-child.pid!, "SIGINT");
    return { runningBeforeInterrupt, ...(await result) };
  } finally {
    if (!ended) process.kill(-child.pid!, "SIGKILL");
  }
}

describe("help examples", () => {
  it("are found in lem --help and in the help of every command it lists", async () => {
    const commands = commandsOf(await readHelp(""));
    expect(commands).toEqual(expect.arrayContaining(["run", "results", "measure", "monitor", "baseline", "preflight", "report"]));
    expect([...new Set(examples.map((e) => e.help))]).toEqual(["", ...commands]);
    for (const e of examples) expect(e.line, titleOf(e)).toMatch(/^([A-Z_]+=\S+ )*lem /);
  });

  describe.concurrent("run as written", () => {
    for (const example of examples) {
      if (runsUntilInterrupted(example.line)) {
        it(`${titleOf(example)} (runs until Ctrl-C)`, { timeout: 120_000 }, async ({ expect }) => {
          const r = await runUntilInterrupted(example.line, await sandboxFor(sandbox!, example.line));
          expect(r.runningBeforeInterrupt, `ended before Ctrl-C${transcript(r)}`).toBe(true);
          expect(r.exitCode, transcript(r)).toBe(0);
        });
      } else {
        it(titleOf(example), { timeout: 180_000 }, async ({ expect }) => {
          const r = await runToCompletion(example.line, await sandboxFor(sandbox!, example.line));
          expect(r.exitCode, transcript(r)).toBe(0);
        });
      }
    }
  });
});
