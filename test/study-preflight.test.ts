// A study's pre-flight is collect-all, as `lem run` shows it: every experiment's failures at
// once (NVML's among them, never alone), the model checked as `lem preflight --model` does,
// paths relative to the study file, and datasets checked by --dry-run.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { launchArgvOf } from "../lib/backends/server-backend.js";
import { ExperimentSchema } from "../lib/config/schema.js";
import { cleanEnv, runLem } from "./support/run-lem.js";

function study(base: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "lem-study-preflight-"));
  const file = join(dir, "study.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: "preflight-study",
      base: { measurement: { baseline: { enabled: false }, settling: { mode: "none" } }, ...base },
      execution: { cycles: 1 },
      ...extra,
    }),
  );
  return { dir, file };
}
const env = (dir: string, o: Record<string, string> = {}) =>
  cleanEnv({ LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks"), HF_HUB_CACHE: join(dir, "hf"), ...o });

describe("lem run pre-flight", () => {
  it("without NVML, reports the missing backend beside NVML's failure", { timeout: 60_000 }, async () => {
    const { dir, file } = study({ model: "m", backend: "command", command: { argv: ["/nonexistent/lem-engine", "--run"] } });
    const r = await runLem(["run", file], env(dir, { LEM_NVML_LIBRARY: "/nonexistent/libnvidia-ml.so.1" }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/pre-flight found 2 problem\(s\):/);
    expect(r.stderr).toContain("NVML is unavailable");
    expect(r.stderr).toContain("/nonexistent/lem-engine");
  });

  it("checks a vllm study's model and reports every experiment's failures together", { timeout: 60_000 }, async () => {
    const { dir, file } = study(
      { backend: "vllm", server: { executable: process.execPath } },
      { sweep: { model: ["meta-llama/NotThere-1B", "meta-llama/NotThere-2B"] } },
    );
    const r = await runLem(["run", file], env(dir, { LEM_SIMULATE: "steady" }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/pre-flight found 2 problem\(s\):/);
    expect(r.stderr).toContain('the model "meta-llama/NotThere-1B" is not in the local Hugging Face cache');
    expect(r.stderr).toContain('the model "meta-llama/NotThere-2B" is not in the local Hugging Face cache');
  });

  it("looks for a llama-server GGUF file beside the study file, not in lem's working directory", { timeout: 60_000 }, async () => {
    const { dir, file } = study({ model: "./models/tiny.gguf", backend: "llama-server", server: { executable: process.execPath } });
    const r = await runLem(["run", file], env(dir, { LEM_SIMULATE: "steady" }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`the model path ${join(dir, "models", "tiny.gguf")} does not exist.`);
  });
});

describe("llama-server launch command", () => {
  it("gives llama-server the GGUF path resolved against the study file's directory", () => {
    const config = ExperimentSchema.parse({ model: "models/tiny.gguf", backend: "llama-server" });
    const argv = launchArgvOf({ backend: "llama-server", config, slug: "s", host: "127.0.0.1", port: 9, baseDir: "/studies/a" });
    expect(argv.slice(0, 3)).toEqual(["llama-server", "-m", "/studies/a/models/tiny.gguf"]);
  });
});

describe("lem run --dry-run", () => {
  it("refuses a missing dataset file", async () => {
    const { dir, file } = study({ model: "m", backend: "command", command: { argv: ["x"] }, dataset: { source: "absent.jsonl" } });
    const r = await runLem(["run", file, "--dry-run"], env(dir));
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(join(dir, "absent.jsonl"));
  });

  it("refuses a malformed dataset file", async () => {
    const { dir, file } = study({ model: "m", backend: "command", command: { argv: ["x"] }, dataset: { source: "bad.jsonl" } });
    writeFileSync(join(dir, "bad.jsonl"), "{not json\n");
    const r = await runLem(["run", file, "--dry-run"], env(dir));
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.jsonl/);
    expect(r.stdout).toBe("");
  });
});
