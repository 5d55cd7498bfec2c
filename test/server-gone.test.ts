// An attached server that dies or freezes (real fake-openai server, real SIGKILL and SIGSTOP):
// seen within seconds, the run fails saying so (no pointer to a log lem does not have), and a
// study stops instead of waiting for it run after run.
import { execa, type ResultPromise } from "execa";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ExperimentSchema, type ExperimentInput } from "../lib/config/schema.js";
import { runServerBackend } from "../lib/backends/server-backend.js";
import { freePort } from "../lib/backends/server/index.js";
import type { Prompt } from "../lib/datasets/prompt.js";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { readJson, studyDirIn } from "./support/study.js";

const FAKE_SERVER = resolve("test/fixtures/fake-openai-server.mjs");
const tmp = () => mkdtempSync(join(tmpdir(), "lem-server-gone-"));
const env = (): Record<string, string> => Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
const prompts: Prompt[] = Array.from({ length: 8 }, (_, i) => ({ id: `p${i}`, text: `prompt number ${i}` }) as Prompt);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const servers: ResultPromise[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.kill("SIGCONT");
    s.kill("SIGKILL");
    await s;
  }
});

/** A fake server lem did not start: each request streams 200 tokens, 50 ms apart (10 s). */
async function attachedServer(): Promise<{ server: ResultPromise; url: string }> {
  const port = await freePort();
  const server = execa(process.execPath, [FAKE_SERVER, "--port", String(port), "--host", "127.0.0.1", "--tokens", "200", "--token-ms", "50"], { reject: false });
  servers.push(server);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return { server, url };
    await sleep(50);
  }
  throw new Error("the fake server never came up");
}

function attachedConfig(url: string) {
  return ExperimentSchema.parse({
    model: "fake-model",
    backend: "openai",
    server: { url, readyTimeoutS: 900 },
    workload: { concurrency: 2, stream: true },
    generation: { maxOutputTokens: 200 },
    measurement: { warmupRequests: 0 },
  } satisfies ExperimentInput);
}

const run = (url: string) =>
  runServerBackend({
    backend: "openai",
    config: attachedConfig(url),
    slug: "attached",
    prompts,
    env: env(),
    logFile: join(tmp(), "server.log"),
    runTimeoutMs: 600_000,
    signal: new AbortController().signal,
  });

describe("an attached server", () => {
  it("frozen by SIGSTOP mid-run: the run fails within seconds saying it stopped answering, and the study is told to stop", { timeout: 40_000 }, async () => {
    const { server, url } = await attachedServer();
    const outcome = run(url);
    await sleep(1500);
    server.kill("SIGSTOP");
    const stoppedMs = Date.now();
    const o = await outcome;
    expect(Date.now() - stoppedMs).toBeLessThan(25_000); // HEALTH_STALL_MS (10 s) and one health request, not runTimeoutS
    expect(o.status).toBe("failed");
    expect(o.failure!.message).toMatch(new RegExp(`^the server at ${url} stopped answering during the run: no answer on /v1/models for 1\\d\\.\\d s \\(last: no answer within 2000 ms\\) \\(0 of 8 requests had finished\\)$`));
    expect(o.stopStudy).toMatch(/^the attached server at .* is gone \(no answer on \/v1\/models/);
  });

  it("killed mid-run: the run fails without pointing to a server.log, and the study is told to stop", { timeout: 40_000 }, async () => {
    const { server, url } = await attachedServer();
    const outcome = run(url);
    await sleep(1500);
    server.kill("SIGKILL");
    const o = await outcome;
    expect(o.status).toBe("failed");
    expect(o.failure!.message).not.toMatch(/server\.log/);
    expect(o.failure!.message).toMatch(/stopped answering during the run/);
    expect(o.stopStudy).toMatch(/^the attached server at .* is gone/);
  });

  it("not running when a run starts: fails in seconds (connection refused), not after readyTimeoutS", { timeout: 30_000 }, async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const o = await run(url);
    expect(o.status).toBe("failed");
    expect(o.failure!.message).toMatch(new RegExp(`^nothing answers at ${url}: connection refused for 3\\.\\d s \\(the attached server is not running, or not at this address\\)\\.`));
    expect(o.failure!.message).not.toMatch(/server\.log/);
    expect(o.stopStudy).toBeDefined();
  });

  it("gone: the study stops after the first run instead of failing every run in turn", { timeout: 60_000 }, async () => {
    const dir = tmp();
    const file = join(dir, "study.json");
    const url = `http://127.0.0.1:${await freePort()}`;
    writeFileSync(
      file,
      JSON.stringify({
        name: "attached-gone",
        base: {
          model: "fake-model",
          backend: "openai",
          server: { url },
          dataset: { source: "synthetic", prompts: 4, synthetic: { distribution: "fixed", meanTokens: 32, minTokens: 16, maxTokens: 64 } },
          measurement: { intervalMs: 10, baseline: { enabled: false }, settling: { mode: "none" }, residualMemoryWaitS: 0 },
        },
        execution: { cycles: 3, circuitPauseS: 0, maxConsecutiveFailures: 10 },
        output: { dir: "results" },
      }),
    );
    const r = await runLem(["run", file, "--skip-preflight"], cleanEnv({ LEM_SIMULATE: "default", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`lem: stopping the study: the attached server at ${url} is gone (connection refused)`);
    const m = readJson<{ runs: { status: string }[] }>(join(studyDirIn(dir), "manifest.json"));
    expect(m.runs.map((x) => x.status)).toEqual(["failed", "pending", "pending"]);
  });
});
