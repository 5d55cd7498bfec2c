// A study whose backend runs in a container, with a stand-in for the docker CLI (there is no
// Docker engine on the build machine): the exact `docker run` lem issues, the protocol read
// back from the run directory, the image digest recorded, the baseline measured beside an
// idle container of the same image, and every container removed.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, repoRoot, runLem } from "./support/run-lem.js";
import { readJson, studyDirIn, workload } from "./support/study.js";

const fakeDocker = join(repoRoot, "test", "fixtures", "fake-docker.mjs");
const digest = `lem/test@sha256:${"12".repeat(32)}`;

describe("a command study in a container (fake docker)", () => {
  it("runs the child through docker run with the selected GPUs, reads its protocol and records the image", { timeout: 120_000 }, async () => {
    chmodSync(fakeDocker, 0o755);
    const dir = mkdtempSync(join(tmpdir(), "lem-docker-study-"));
    const state = join(dir, "docker-state.json");
    const log = join(dir, "docker-argv.jsonl");
    writeFileSync(state, JSON.stringify({ log, images: { "lem/test:1": { repoDigests: [digest], id: `sha256:${"34".repeat(32)}` } } }));
    writeFileSync(join(dir, "secrets.env"), "HF_TOKEN=not-a-real-token\n", { mode: 0o600 });
    const study = {
      name: "in-docker",
      base: {
        model: "tiny-sim",
        backend: "command",
        // In a container, command.cwd is the working directory inside it (docker run --workdir).
        command: { argv: [process.execPath, workload, "--prompts", "4", "--max-output-tokens", "8", "--step-ms", "1"], cwd: "/workspace" },
        docker: { image: "lem/test:1", pull: "never", envFile: "secrets.env", docker: fakeDocker },
        measurement: { intervalMs: 10, baseline: { durationS: 0.5, cacheTtlS: 0 }, settling: { mode: "none" }, residualMemoryWaitS: 0 },
      },
      execution: { cycles: 1, circuitPauseS: 0 },
      output: { dir: "results" },
    };
    const file = join(dir, "study.json");
    writeFileSync(file, JSON.stringify(study));
    // The fake toolkit check: an nvidia runtime in `docker info`.
    writeFileSync(state, JSON.stringify({ ...JSON.parse(readFileSync(state, "utf8")), info: { Runtimes: { nvidia: {}, runc: {} } } }));
    const r = await runLem(["run", file], cleanEnv({ LEM_SIMULATE: "steady", FAKE_DOCKER_STATE: state, LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") }));
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    const studyDir = studyDirIn(dir);
    const m = readJson<{ runs: { status: string; resultPath: string }[] }>(join(studyDir, "manifest.json"));
    const res = readJson<{
      status: string;
      window: { source: string };
      tokens: { requests: number };
      backendDetails: { docker: { image: string; digest: string; container: string } };
    }>(join(studyDir, m.runs[0]!.resultPath));
    expect(res.status).toBe("completed");
    expect(res.window.source).toBe("protocol"); // read from protocol.jsonl in the mounted run directory
    expect(res.tokens.requests).toBe(4);
    expect(res.backendDetails.docker).toMatchObject({ image: "lem/test:1", digest: digest.split("@")[1] });

    const calls = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]);
    const runs = calls.filter((c) => c[0] === "run");
    // First the idle container of the baseline, then the run's own.
    expect(runs).toHaveLength(2);
    expect(runs[0]).toEqual(expect.arrayContaining(["--detach", "--entrypoint", "sleep", "lem/test:1", "infinity"]));
    const run = runs[1]!;
    const gpus = run[run.indexOf("--gpus") + 1]!;
    expect(gpus).toMatch(/^"device=GPU-[^,"]+"$/); // the simulated GPU's UUID
    expect(run[run.indexOf("--env-file") + 1]).toBe(join(dir, "secrets.env"));
    expect(run[run.indexOf("--workdir") + 1]).toBe("/workspace");
    expect(run.join(" ")).not.toContain("not-a-real-token");
    expect(run.some((a) => a.startsWith("LEM_PROTOCOL_PATH="))).toBe(true);
    expect(run.slice(run.indexOf("lem/test:1") + 1)).toEqual(study.base.command.argv);
    // Each container is removed by name afterwards.
    const killed = calls.filter((c) => c[0] === "kill").map((c) => c[1]);
    expect(killed).toContain(runs[0]![runs[0]!.indexOf("--name") + 1]);
    expect(killed).toContain(run[run.indexOf("--name") + 1]);
  });
});
