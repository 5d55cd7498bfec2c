// Secrets written in a study reach the child but none of the files lem records (issue 12, item 5).
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, repoRoot, runLem } from "./support/run-lem.js";
import { readJson, studyDirIn } from "./support/study.js";

const HF = "hf_abcdefghijklmnopqrstuvwxyz0123";
const SK = "sk-abcdefghijklmnopqrstuv";
const SECRETS = [HF, SK, "p4ssw0rd-in-url", "my-plain-api-key", "sweep-secret-1"];
const child = join(repoRoot, "test", "fixtures", "secret-child.mjs");

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

let dir = "";
let studyDir = "";
let exitCode: number | undefined;
let stderr = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lem-secrets-"));
  const file = join(dir, "study.json");
  const study = {
    name: "secrets",
    base: {
      model: "tiny-sim",
      backend: "command",
      params: { api_key: "my-plain-api-key", endpoint: "https://user:p4ssw0rd-in-url@example.com/v1" },
      command: { argv: [process.execPath, child, `--token=${HF}`, SK], env: { HF_TOKEN: HF }, measure: "lifetime" },
      measurement: { intervalMs: 10, baseline: { enabled: false }, settling: { mode: "none" }, residualMemoryWaitS: 0 },
    },
    sweep: { "params.session_token": ["sweep-secret-1"] },
    execution: { cycles: 1, order: "sequential" },
    output: { dir: "results" },
  };
  writeFileSync(file, JSON.stringify(study, null, 2));
  const r = await runLem(["run", file], cleanEnv({ LEM_SIMULATE: "steady", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") }));
  exitCode = r.exitCode;
  stderr = r.stderr;
  studyDir = studyDirIn(dir);
}, 120_000);

describe("a study with secrets in command.env, argv, params, a URL and a swept value", () => {
  it("runs the child with the real values (it checks them and exits 0)", () => {
    expect(exitCode, stderr).toBe(0);
    const m = readJson<{ runs: { status: string }[] }>(join(studyDir, "manifest.json"));
    expect(m.runs.map((r) => r.status)).toEqual(["completed"]);
  });

  it("writes no secret into any file of the study directory (config.resolved.json, result.json, report.html, ...)", () => {
    const files = filesUnder(studyDir);
    expect(files.map((f) => f.slice(studyDir.length + 1))).toEqual(expect.arrayContaining(["config.resolved.json", "report.html", "summary.csv", "study.json"]));
    for (const f of files) {
      const text = readFileSync(f, "latin1");
      for (const secret of SECRETS) expect(text.includes(secret), `${secret} in ${f}`).toBe(false);
    }
    expect(readdirSync(studyDir).some((name) => name.includes("sweep-secret"))).toBe(false);
  });

  it("records where each secret was, redacted", () => {
    const [run] = readdirSync(studyDir).filter((n) => /^\d{3}_/.test(n));
    const result = readJson<{ config: { command: { argv: string[]; env: Record<string, string> }; params: Record<string, string> } }>(join(studyDir, run!, "result.json"));
    expect(result.config.command.argv.slice(2)).toEqual(["--token=[redacted]", "[redacted]"]);
    expect(result.config.command.env).toEqual({ HF_TOKEN: "[redacted]" });
    expect(result.config.params).toEqual({ api_key: "[redacted]", endpoint: "https://user:[redacted]@example.com/v1", session_token: "[redacted]" });
  });
});

describe("lem measure --json", () => {
  it("records the command line with its token redacted", async () => {
    const r = await runLem(
      ["measure", "--json", "--skip-preflight", "--", "sh", "-c", "sleep 0.05", "sh", `--token=${HF}`, "--api-key", "plain-secret-value"],
      cleanEnv({ LEM_SIMULATE: "steady" }),
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).command.args).toEqual(["-c", "sleep 0.05", "sh", "--token=[redacted]", "--api-key", "[redacted]"]);
    expect(r.stdout + r.stderr).not.toContain(HF);
    expect(r.stdout + r.stderr).not.toContain("plain-secret-value");
  });
});
