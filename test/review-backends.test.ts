// Defects found in the review of the engine backends, each pinned by the behaviour it broke.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { cleanEnv, lemBin, repoRoot } from "./support/run-lem.js";
import { ExperimentSchema, type ExperimentInput } from "../lib/config/schema.js";
import { runServerBackend } from "../lib/backends/server-backend.js";
import { freePort, groupAlive } from "../lib/backends/server/index.js";
import { runChildBackend, totalsFromEvents } from "../lib/backends/child-backend.js";
import type { ChildEvent } from "../lib/backends/protocol.js";
import type { Prompt } from "../lib/datasets/prompt.js";
import { backendPreflight } from "../lib/study/backend-preflight.js";

const FAKE_SERVER = resolve("test/fixtures/fake-openai-server.mjs");
const WORKLOAD = resolve("harness/node/workload.mjs");
const FAKE_DOCKER = resolve("test/fixtures/fake-docker.mjs");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A study of one command run in a container (fake docker), and the fake's state and argv log. */
function dockerStudy(o: { command: string[]; execution?: Record<string, unknown> }) {
  chmodSync(FAKE_DOCKER, 0o755);
  const dir = tmp();
  const state = join(dir, "docker-state.json");
  const log = join(dir, "docker-argv.jsonl");
  writeFileSync(state, JSON.stringify({ log, info: { Runtimes: { nvidia: {} } }, images: { "lem/test:1": { repoDigests: [], id: `sha256:${"34".repeat(32)}` } } }));
  const file = join(dir, "study.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: "review-docker",
      base: {
        model: "tiny-sim",
        backend: "command",
        command: { argv: o.command },
        docker: { image: "lem/test:1", pull: "never", docker: FAKE_DOCKER },
        measurement: { intervalMs: 10, baseline: { enabled: false }, settling: { mode: "none" }, residualMemoryWaitS: 0 },
      },
      execution: { cycles: 1, circuitPauseS: 0, ...(o.execution ?? {}) },
      output: { dir: "results" },
    }),
  );
  const env = cleanEnv({ LEM_SIMULATE: "steady", FAKE_DOCKER_STATE: state, LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") });
  const calls = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]) : []);
  return { dir, file, env, calls };
}
const tmp = () => mkdtempSync(join(tmpdir(), "lem-review-"));
const env = (): Record<string, string> => Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
const prompts: Prompt[] = Array.from({ length: 4 }, (_, i) => ({ id: `p${i}`, text: `prompt number ${i}` }) as Prompt);

function serverConfig(serverArgs: string[], server: Record<string, unknown> = {}) {
  return ExperimentSchema.parse({
    model: "fake-model",
    backend: "openai",
    server: { argv: [process.execPath, FAKE_SERVER, "--port", "{port}", "--host", "{host}", ...serverArgs], readyTimeoutS: 20, shutdownGraceS: 2, ...server },
    workload: { concurrency: 2 },
    generation: { maxOutputTokens: 4 },
    measurement: { warmupRequests: 0 },
  } satisfies ExperimentInput);
}

describe("server backend: why a server did not start", () => {
  it("says the server exited with its code and shows its log, not that lem was asked to stop", { timeout: 30_000 }, async () => {
    const logFile = join(tmp(), "server.log");
    const outcome = await runServerBackend({
      backend: "openai",
      config: serverConfig(["--fail-start"]),
      slug: "fail-start",
      prompts,
      env: env(),
      logFile,
      runTimeoutMs: 60_000,
      signal: new AbortController().signal,
    });
    expect(outcome.status).toBe("failed");
    expect(outcome.failure!.message).toMatch(/exited with code 1/);
    expect(outcome.failure!.message).toContain("failing at start as asked");
    expect(outcome.failure!.message).not.toMatch(/Nothing to fix/);
    expect(readFileSync(logFile, "utf8")).toContain("failing at start as asked");
  });

  it("says the run's time limit ended the start-up when it runs out before the server is ready", { timeout: 30_000 }, async () => {
    const outcome = await runServerBackend({
      backend: "openai",
      config: serverConfig(["--never-ready"]),
      slug: "never-ready",
      prompts,
      env: env(),
      logFile: join(tmp(), "server.log"),
      runTimeoutMs: 1500,
      signal: new AbortController().signal,
    });
    expect(outcome.status).toBe("failed");
    expect(outcome.failure!.message).toMatch(/time limit of 1\.5 s while the server was starting/);
    expect(outcome.failure!.message).not.toMatch(/Nothing to fix/);
  });

  it("says the executable was not found when the server cannot be spawned", { timeout: 30_000 }, async () => {
    const config = serverConfig([]);
    config.server!.argv = ["/nonexistent/lem-review-engine", "--port", "{port}"];
    const outcome = await runServerBackend({
      backend: "openai",
      config,
      slug: "enoent",
      prompts,
      env: env(),
      logFile: join(tmp(), "server.log"),
      runTimeoutMs: 60_000,
      signal: new AbortController().signal,
    });
    expect(outcome.status).toBe("failed");
    expect(outcome.failure!.message).toMatch(/could not be started \(ENOENT/);
  });
});

describe("server backend: Ctrl-C during the warm-up", () => {
  it("stops the server's whole process group before it returns, and says the run was interrupted", { timeout: 60_000 }, async () => {
    const port = await freePort();
    const config = serverConfig(["--ttft-ms", "300"], { port });
    config.measurement.warmupRequests = 40; // 20 rounds of 300 ms at concurrency 2: far longer than the wait below
    const study = new AbortController();
    let pid = 0;
    const running = runServerBackend({
      backend: "openai",
      config,
      slug: "ctrl-c-warmup",
      prompts,
      env: env(),
      logFile: join(tmp(), "server.log"),
      runTimeoutMs: 120_000,
      signal: study.signal,
      onSpawn: (p) => (pid = p),
    });
    // The probe and the first warm-up requests have reached the server: the warm-up is running.
    for (let i = 0; i < 400; i++) {
      const stats = await fetch(`http://127.0.0.1:${port}/stats`).then((r) => r.json() as Promise<{ requestsReceived: number }>, () => null);
      if (stats && stats.requestsReceived >= 3) break;
      await sleep(50);
    }
    study.abort();
    const outcome = await running;
    expect(outcome.status).toBe("interrupted");
    expect(outcome.details.readyAfterS).toBeGreaterThan(0);
    expect(outcome.requests.requests ?? 0).toBe(0); // nothing of the workload was sent
    expect(pid).toBeGreaterThan(0);
    expect(groupAlive(pid)).toBe(false);
  });
});

describe("server backend: readiness is bounded by server.readyTimeoutS", () => {
  it("fails within the ready time-out when the health path answers but the first completion never comes", { timeout: 60_000 }, async () => {
    const started = performance.now();
    // The first token would come after 40 s; readyTimeoutS is 2 s (requestTimeoutS stays 600 s).
    const outcome = await runServerBackend({
      backend: "openai",
      config: serverConfig(["--ttft-ms", "40000"], { readyTimeoutS: 2 }),
      slug: "slow-probe",
      prompts,
      env: env(),
      logFile: join(tmp(), "server.log"),
      runTimeoutMs: 120_000,
      signal: new AbortController().signal,
    });
    expect(outcome.status).toBe("failed");
    expect(outcome.failure!.message).toMatch(/first completion failed: timed out/);
    // 2 s of readiness, plus start-up and stopping on a slow shared machine; far below the 40 s.
    expect(performance.now() - started).toBeLessThan(25_000);
  });
});

describe("child backend with a protocol file (a child in a container)", () => {
  it("reads only this attempt's events when the run directory holds a protocol file from an earlier attempt", { timeout: 30_000 }, async () => {
    const dir = tmp();
    const protocolFile = join(dir, "protocol.jsonl");
    // What an interrupted first attempt of the same run left in its (reused) run directory.
    writeFileSync(
      protocolFile,
      [
        { event: "window_start", t_ns: "1000" },
        { event: "request", input_tokens: 5, output_tokens: 5 },
        { event: "window_end", t_ns: "2000" },
        { event: "result", engine: "lem-workload", engine_version: "attempt-1" },
      ]
        .map((e) => JSON.stringify(e))
        .join("\n") + "\n",
    );
    const outcome = await runChildBackend({
      argv: [process.execPath, WORKLOAD, "--prompts", "3", "--max-output-tokens", "4", "--step-ms", "1", "--warmup", "0"],
      env: { ...env(), LEM_PROTOCOL_PATH: protocolFile },
      measure: "window",
      logFile: join(dir, "child.log"),
      runTimeoutMs: 20_000,
      silenceTimeoutMs: 20_000,
      signal: new AbortController().signal,
      protocolFile,
    });
    expect(outcome.status).toBe("completed");
    expect(outcome.engine).toMatchObject({ name: "lem-workload", version: "1" });
    expect(outcome.requests.requests).toBe(3);
    expect(outcome.warnings).toEqual([]);
  });
});

describe("silence watchdog of a child in a container", () => {
  it("counts protocol lines written to the protocol file as activity, as it counts those on fd 3", { timeout: 30_000 }, async () => {
    const dir = tmp();
    const protocolFile = join(dir, "protocol.jsonl");
    // About 1.2 s of requests, one event every ~40 ms, and nothing on stdout/stderr until the end.
    const outcome = await runChildBackend({
      argv: [process.execPath, WORKLOAD, "--prompts", "30", "--max-output-tokens", "2", "--step-ms", "20", "--warmup", "0"],
      env: { ...env(), LEM_PROTOCOL_PATH: protocolFile },
      measure: "window",
      logFile: join(dir, "child.log"),
      runTimeoutMs: 20_000,
      silenceTimeoutMs: 600,
      signal: new AbortController().signal,
      protocolFile,
    });
    expect(outcome.failure?.message).toBeUndefined();
    expect(outcome.status).toBe("completed");
    expect(outcome.requests.requests).toBe(30);
  });
});

describe("token totals of a child's request events", () => {
  it("are unknown (null), not a partial sum, when some requests did not report their tokens", () => {
    const events = [
      { event: "request", input_tokens: 10, output_tokens: 7 },
      { event: "request", output_tokens: 9 },
      { event: "request", input_tokens: 12 },
    ] as ChildEvent[];
    const totals = totalsFromEvents(events);
    expect(totals.requests).toBe(3);
    expect(totals.inputTokens).toBeNull();
    expect(totals.outputTokens).toBeNull();
  });

  it("are the sums when every request reported them", () => {
    const events = [
      { event: "request", input_tokens: 10, output_tokens: 7 },
      { event: "request", input_tokens: 12, output_tokens: 9 },
    ] as ChildEvent[];
    expect(totalsFromEvents(events)).toMatchObject({ requests: 2, inputTokens: 22, outputTokens: 16 });
  });
});

describe("containers never outlive lem", () => {
  it("removes the run's container when lem leaves at once on a second Ctrl-C", { timeout: 90_000 }, async () => {
    const study = dockerStudy({ command: [process.execPath, WORKLOAD, "--hang"] });
    const lem = execa(process.execPath, [lemBin, "run", study.file], { env: study.env, extendEnv: false, reject: false, cwd: repoRoot });
    // Wait until the container runs (its `docker run` is in the fake's log), however slow the machine.
    for (let i = 0; i < 600 && !study.calls().some((c) => c[0] === "run"); i++) await sleep(50);
    const run = study.calls().find((c) => c[0] === "run");
    expect(run).toBeDefined();
    await sleep(300);
    lem.kill("SIGINT");
    await sleep(50);
    lem.kill("SIGINT");
    const r = await lem;
    expect(r.exitCode).toBe(130);
    const name = run![run!.indexOf("--name") + 1]!;
    expect(study.calls().filter((c) => c[0] === "kill").map((c) => c[1])).toContain(name);
  });

  it("removes a container an earlier attempt of the same run left (lem killed) before starting it; other studies' containers have other names", { timeout: 120_000 }, async () => {
    const study = dockerStudy({ command: [process.execPath, WORKLOAD, "--prompts", "2", "--max-output-tokens", "4", "--step-ms", "1"] });
    // The same study file twice: two study directories, as when it is run again while the first still runs.
    for (let i = 0; i < 2; i++) {
      const r = await execa(process.execPath, [lemBin, "run", study.file], { env: study.env, extendEnv: false, reject: false, cwd: repoRoot });
      expect(r.exitCode, r.stderr).toBe(0);
    }
    expect(readdirSync(join(study.dir, "results"))).toHaveLength(2);
    const calls = study.calls();
    const runs = calls.map((c, i) => ({ c, i })).filter(({ c }) => c[0] === "run");
    expect(runs).toHaveLength(2);
    const names = runs.map(({ c }) => c[c.indexOf("--name") + 1]!);
    expect(names[0]).not.toBe(names[1]);
    for (const [k, { i }] of runs.entries()) {
      // A leftover of this very run (same study directory, same run) would hold the name and the GPUs.
      const removed = calls.findIndex((c) => c[0] === "rm" && c.at(-1) === names[k]);
      expect(calls[removed]).toEqual(["rm", "--force", names[k]]);
      expect(removed).toBeLessThan(i);
    }
  });
});

describe("pre-flight of an SGLang server", () => {
  it("imports sglang with the interpreter the server is launched with (python3), whatever LEM_PYTHON says", () => {
    const saved = process.env.LEM_PYTHON;
    process.env.LEM_PYTHON = "/opt/other-venv/bin/python";
    try {
      const cfg = ExperimentSchema.parse({ model: "m", backend: "sglang" } satisfies ExperimentInput);
      const needs = backendPreflight(cfg, "/tmp", "study: sglang");
      expect(needs.request.python).toEqual({ interpreter: "python3", modules: ["sglang"] });
    } finally {
      if (saved === undefined) delete process.env.LEM_PYTHON;
      else process.env.LEM_PYTHON = saved;
    }
  });
});

describe("the protocol file a Node harness creates (LEM_PROTOCOL_PATH)", () => {
  // A container's umask may be 0: the file in the results must still not be writable by every user.
  for (const harness of ["harness/node/workload.mjs", "harness/node/llama-cpp.mjs"]) {
    it(`${harness} creates it writable by its owner only, even under umask 000`, async () => {
      const file = join(tmp(), "protocol.jsonl");
      // llama-cpp.mjs fails on its missing arguments after opening the file: enough here.
      await execa("sh", ["-c", `umask 000; exec "${process.execPath}" "${resolve(harness)}" --prompts 1 --step-ms 0 --warmup 0`], {
        env: { ...env(), LEM_PROTOCOL_PATH: file },
        reject: false,
      });
      expect(existsSync(file)).toBe(true);
      expect((statSync(file).mode & 0o777).toString(8)).toBe("644");
    });
  }
});

describe("pre-flight of a llamacpp model given from the home directory", () => {
  it("checks the file the run will load (~/ expanded), not a path named \"~\" under the study's directory", async () => {
    const home = tmp();
    writeFileSync(join(home, "tiny.gguf"), "GGUF and the rest of a model");
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      const cfg = ExperimentSchema.parse({ model: "~/tiny.gguf", backend: "llamacpp" } satisfies ExperimentInput);
      const needs = backendPreflight(cfg, "/srv/studies", "study: llamacpp");
      const issues = (await Promise.all(needs.checks.map((c) => c()))).flatMap((o) => o.failures);
      expect(issues.filter((i) => i.message.includes("model"))).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.HOME;
      else process.env.HOME = saved;
    }
  });
});
