// The Python each backend runs, recorded for a study (environment.json): the transformers
// interpreter, a vllm script's own interpreter, python3 inside a backend's image (through the
// stand-in docker CLI); never lem's own python3 in their place.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ExperimentSchema } from "../lib/config/schema.js";
import { backendPythons } from "../lib/study/backend-python.js";
import { cleanEnv, repoRoot, runLem } from "./support/run-lem.js";
import { readJson, studyDirIn } from "./support/study.js";

const fakeDocker = join(repoRoot, "test", "fixtures", "fake-docker.mjs");
const tmp = () => mkdtempSync(join(tmpdir(), "lem-backend-python-"));

/** A fake interpreter: its version and sys.executable for -c, a pip freeze for -m. */
function fakePython(dir: string, name: string, packages: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\ncase "$1" in\n  -c) echo 3.11.9; echo ${file} ;;\n  -m) ${packages.map((p) => `echo ${p}`).join("; ")} ;;\nesac\n`);
  chmodSync(file, 0o755);
  return file;
}

const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
  delete process.env.FAKE_DOCKER_STATE;
});

describe("backendPythons", () => {
  it("records the transformers backend's own interpreter and its packages", async () => {
    const python = fakePython(tmp(), "python", ["torch==2.5.1", "transformers==4.46.0"]);
    const config = ExperimentSchema.parse({ model: "m", backend: "transformers", transformers: { python } });
    expect(await backendPythons([{ slug: "a", config }])).toEqual([
      {
        experiments: ["a"],
        runsIn: "host",
        python: { interpreter: python, version: "3.11.9", packages: [{ name: "torch", version: "2.5.1" }, { name: "transformers", version: "4.46.0" }] },
      },
    ]);
  });

  it("records the interpreter a vllm script names on its #! line", async () => {
    const dir = tmp();
    const python = fakePython(dir, "venv-python", ["torch==2.6.0", "vllm==0.8.5"]);
    const vllm = join(dir, "vllm");
    writeFileSync(vllm, `#!${python}\nimport sys\n`);
    chmodSync(vllm, 0o755);
    const config = ExperimentSchema.parse({ model: "m", backend: "vllm", server: { executable: vllm } });
    const [entry] = await backendPythons([{ slug: "v", config }]);
    expect(entry!.python).toMatchObject({ interpreter: python, packages: [{ name: "torch", version: "2.6.0" }, { name: "vllm", version: "0.8.5" }] });
  });

  it("asks python3 inside a backend's image, through the docker program the backend uses", async () => {
    const dir = tmp();
    const bin = join(dir, "bin");
    mkdirSync(bin);
    // The stand-in docker runs the --entrypoint here: this python3 plays the image's.
    fakePython(bin, "python3", ["torch==2.7.0", "sglang==0.4.6"]);
    process.env.PATH = `${bin}:${savedPath}`;
    const log = join(dir, "argv.jsonl");
    process.env.FAKE_DOCKER_STATE = join(dir, "state.json");
    writeFileSync(process.env.FAKE_DOCKER_STATE, JSON.stringify({ log, images: { "lmsysorg/sglang:v0.4.6": { repoDigests: [], id: `sha256:${"ab".repeat(32)}` } } }));
    chmodSync(fakeDocker, 0o755);
    const config = ExperimentSchema.parse({ model: "m", backend: "sglang", docker: { image: "lmsysorg/sglang:v0.4.6", docker: fakeDocker } });
    const [entry] = await backendPythons([{ slug: "s", config }]);
    expect(entry).toMatchObject({ runsIn: "docker", image: "lmsysorg/sglang:v0.4.6", python: { version: "3.11.9", packages: [{ name: "torch", version: "2.7.0" }, { name: "sglang", version: "0.4.6" }] } });
    const calls = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]);
    expect(calls).toContainEqual(["run", "--rm", "--entrypoint", "python3", "lmsysorg/sglang:v0.4.6", "-m", "pip", "freeze"]);
  });

  it("records none for backends without Python", async () => {
    const config = ExperimentSchema.parse({ model: "m", backend: "command", command: { argv: ["x"] } });
    expect(await backendPythons([{ slug: "c", config }])).toEqual([]);
  });
});

describe("a study's environment.json", () => {
  it("has the backend's Python and packages, not null", { timeout: 60_000 }, async () => {
    const dir = tmp();
    const python = fakePython(dir, "python", ["torch==2.5.1", "transformers==4.46.0"]);
    const file = join(dir, "study.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "py",
        base: { model: "m", backend: "transformers", transformers: { python }, measurement: { baseline: { enabled: false }, settling: { mode: "none" }, residualMemoryWaitS: 0 } },
        execution: { cycles: 1 },
      }),
    );
    // The fake interpreter cannot run the harness: the run fails, the snapshot is written first.
    await runLem(["run", file, "--skip-preflight"], cleanEnv({ LEM_SIMULATE: "steady", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") }));
    const env = readJson<{ python: { interpreter: string; packages: { name: string }[] } | null; backendPythons: { experiments: string[] }[] }>(join(studyDirIn(dir), "environment.json"));
    expect(env.python?.interpreter).toBe(python);
    expect(env.python?.packages.map((p) => p.name)).toEqual(["torch", "transformers"]);
    expect(env.backendPythons).toHaveLength(1);
  });
});
