// The exact words of the messages issue 12 (item 18) found unclear: each says what is wrong,
// where (the file, the field's path) and what to do, without echoing garbage.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../lib/config/config-error.js";
import { loadStudy, MAX_NESTING_DEPTH } from "../lib/config/load.js";
import { validateTemplates } from "../lib/study/prepare-study.js";
import { cleanEnv, runLem } from "./support/run-lem.js";

const dir = mkdtempSync(join(tmpdir(), "lem-config-messages-"));
const BASE = 'name: m\nbase:\n  model: x\n  backend: command\n  command:\n    argv: ["node", "-e", "0"]\n';

function write(name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function messageOf(file: string, validate = false): Promise<string> {
  const error = await loadStudy(file).then(
    (loaded) => (validate ? validateTemplates(loaded) : undefined),
    (e: unknown) => e,
  ).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message;
}

describe("study file messages", () => {
  it("calls a binary file not a text file instead of echoing it", async () => {
    const bytes = Buffer.alloc(5000, 0);
    bytes.write("name: m\x01\x02", 0, "latin1");
    const file = write("binary.yaml", bytes);
    expect(await messageOf(file)).toBe(`${file}: the file is not a text (YAML or JSON) file: it holds binary data (a NUL byte at offset 9). Give the study file (YAML or JSON, UTF-8).`);
  });

  it("reads a JSON file that starts with a byte order mark, and places its errors", async () => {
    const file = write("bom.json", `\ufeff{"name": "m", "execution": {"cycles": 2.5}}`);
    expect(await messageOf(file)).toBe(`${file}: execution.cycles: expected an integer, found 2.5`);
    const syntax = write("bom-syntax.json", '\ufeff{\n  "name": "m",\n  "base": {,\n}\n');
    expect(await messageOf(syntax)).toMatch(new RegExp(`^${syntax.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:\\d+: JSON syntax error: `));
  });

  it("says a study file must hold one YAML document", async () => {
    const file = write("multi.yaml", `${BASE}---\nname: other\n`);
    expect(await messageOf(file)).toBe(`${file}:7:1: YAML syntax error: the file holds several YAML documents (separated by ---); a study file must hold one document`);
  });

  it("refuses deep nesting with a limit instead of overflowing the stack (YAML and JSON)", async () => {
    const yaml = write("deep.yaml", `name: m\nbase:\n  params:\n    x: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`);
    const limit = `the file is nested too deeply (more than ${MAX_NESTING_DEPTH} levels of lists and mappings); a study needs a few`;
    expect(await messageOf(yaml)).toBe(`${yaml}: ${limit}`);
    const json = write("deep.json", `{"name":"m","base":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}}`);
    expect(await messageOf(json)).toBe(`${json}: ${limit}`);
  });

  it("words zod's types for people: an integer, a mapping of names to values, a string, a number or a boolean", async () => {
    const file = write("types.yaml", `${BASE}  params:\n    a: {b: 1}\nsweep: [1, 2]\nexecution:\n  cycles: three\n`);
    expect(await messageOf(file)).toBe(
      `${file}: 2 problems:\n  sweep: expected a mapping of names to values, found a list of 2\n  execution.cycles: expected an integer, found "three" (a string)`,
    );
    const params = write("params.yaml", `${BASE}  params:\n    a: {b: 1}\n`);
    expect(await messageOf(params)).toBe(`${params}: base.params.a: expected a string, a number or a boolean, found a mapping (object)`);
  });

  it("escapes control characters of an unknown key and cuts a long one", async () => {
    const file = write("nul.json", JSON.stringify({ name: "m", "bad\u0000key": 1, ["k".repeat(500)]: 2 }));
    const message = await messageOf(file);
    expect(message).toContain('["bad\\u0000key"]: unknown key');
    expect(message).toContain(`found "${"k".repeat(57)}..."`);
    expect(message).not.toMatch(/[\u0000-\u0008]/);
  });
});

describe("fields checked at load, named by their place in the study file", () => {
  it("a missing dataset.source names the study file and the field", async () => {
    const file = write("source.yaml", `${BASE}  dataset:\n    source: no-such.jsonl\n`);
    expect(await messageOf(file, true)).toBe(
      `${file}: base.dataset.source: the dataset file ${join(dir, "no-such.jsonl")} does not exist (a relative source is resolved against the study file's folder; "synthetic" generates prompts) (experiment x)`,
    );
  });

  it("a bad devices value is the study's field, not CUDA_VISIBLE_DEVICES", async () => {
    const file = write("devices.yaml", `${BASE}experiments:\n  - devices: "0,zz"\n`);
    expect(await messageOf(file, true)).toBe(
      `${file}: experiments[0].devices: the value "0,zz": entry 2 ("zz") is not a device index, a GPU-<uuid> or a MIG-<uuid>. Use the indices or UUIDs that "lem devices" lists. (experiment 0-zz)`,
    );
  });

  it("a missing command.cwd fails at load, resolved against the study file", async () => {
    const file = write("cwd.yaml", `${BASE}    cwd: no-such-dir\n`);
    expect(await messageOf(file, true)).toBe(
      `${file}: base.command.cwd: the working directory ${join(dir, "no-such-dir")} does not exist (a relative cwd is resolved against the study file's folder) (experiment x)`,
    );
  });

  it("llama.cpp's context size too small for the prompt and the output fails at load", async () => {
    const file = write("llama.yaml", "name: m\nbase:\n  model: m.gguf\n  backend: llamacpp\n  llamacpp:\n    contextSize: 256\n");
    expect(await messageOf(file, true)).toBe(
      `${file}: base.llamacpp.contextSize: generation.maxInputTokens (512) + generation.maxOutputTokens (128) = 640 tokens exceed llamacpp.contextSize (256); raise llamacpp.contextSize or lower them (experiment m.gguf)`,
    );
  });

  it("a literal {} in argv points to the {{ }} escape", async () => {
    const file = write("braces.yaml", 'name: m\nbase:\n  model: x\n  backend: command\n  command:\n    argv: ["node", "-e", "console.log({})"]\n');
    const error = await loadStudy(file).then((l) => validateTemplates(l)).catch((e: unknown) => e);
    expect((error as Error).message).toContain('command.argv[2]: "{}" names no field or param of the experiment.');
    expect((error as Error).message).toContain('for literal braces write {{ and }} (e.g. "{{}}" for "{}")');
  });
});

describe("command-line messages", () => {
  it("--interval-ms out of range is a usage error (64) in one style, fraction or negative", async () => {
    for (const value of ["0.1", "-5"]) {
      const r = await runLem(["measure", "--interval-ms", value, "--", "node", "-e", "0"], cleanEnv({ LEM_SIMULATE: "steady" }));
      expect(r.exitCode).toBe(64);
      expect(r.stderr).toBe(`lem: --interval-ms must be a number from 0.2 to 10000, got "${value}"`);
    }
  });

  it("refuses --output with --resume", async () => {
    const r = await runLem(["run", "--resume", dir, "--output", join(dir, "elsewhere")]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toBe(`lem: --output does not apply to --resume: a resumed study stays in its directory (${dir}). Leave out --output.`);
  });

  it("a moved study file on resume says where the study was started from and how to resume", async () => {
    const study = join(dir, "resumable");
    mkdirSync(study, { recursive: true });
    const gone = join(dir, "gone.yaml");
    writeFileSync(
      join(study, "manifest.json"),
      JSON.stringify({ schemaVersion: 1, study: { name: "m", file: gone, studyHash: "0", createdAt: "" }, experiments: [], execution: {}, runs: [], updatedAt: "" }),
    );
    const r = await runLem(["run", "--resume", study]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `lem: cannot resume ${study}: the study was started from ${gone}, which no longer exists (moved, renamed or deleted). ` +
        `Put the study file back at ${gone}, unchanged, then run "lem run --resume ${study}" again. ` +
        `Its resolved configuration is recorded in ${join(study, "config.resolved.json")} (key "study") if you need to recreate it.`,
    );
  });

  it("a manifest that is a directory is called one", async () => {
    const study = join(dir, "dir-manifest");
    mkdirSync(join(study, "manifest.json"), { recursive: true });
    const r = await runLem(["run", "--resume", study]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `lem: ${join(study, "manifest.json")} is a directory, not the manifest file: the study directory ${study} is damaged. Restore manifest.json from a backup, or start the study anew.`,
    );
  });
});
