// Every JavaScript example in the README and docs/ runs as written (on the simulated GPU).
import { execa } from "execa";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, repoRoot } from "./support/run-lem.js";

// Inside the package, so that `import ... from "lem-energy"` resolves to it by self-reference.
const dir = join(repoRoot, "test", ".doc-examples");
mkdirSync(dir, { recursive: true });

const sources = ["README.md", ...readdirSync(join(repoRoot, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const examples = sources.flatMap((file) =>
  [...readFileSync(join(repoRoot, file), "utf8").matchAll(/```js\n([\s\S]*?)```/g)].map((m, i) => ({ file, i, code: m[1]! })),
);

describe("documentation examples", () => {
  it("exist", () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  for (const { file, i, code } of examples) {
    it(`${file} example ${i + 1} runs`, async () => {
      const path = join(dir, `${file.replace(/\W/g, "_")}_${i}.mjs`);
      writeFileSync(path, code);
      const r = await execa(process.execPath, [path], {
        // Examples that pick their own fallback run as on a machine without a GPU.
        env: cleanEnv(code.includes("useSimulatedGpu") ? {} : { LEM_SIMULATE: "default" }),
        extendEnv: false,
        reject: false,
      });
      expect(r.stderr).toBe("");
      expect(r.exitCode).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
    });
  }

  it("npm run demo (the README's first command) runs the example study on the simulated GPU", { timeout: 240_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), "lem-demo-"));
    const r = await execa("npm", ["run", "--silent", "demo", "--", "--output", out], {
      cwd: repoRoot,
      env: cleanEnv({ LEM_CACHE_DIR: join(out, "cache"), LEM_LOCK_DIR: join(out, "locks") }),
      extendEnv: false,
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('running on lem\'s simulated GPU (scenario "steady"); every figure is SIMULATED.');
    expect(r.stderr).toMatch(/lem: study completed: 8 completed; results in /);
    expect(r.stderr).toMatch(/\[8\/8\] bs8_mot256 \(cycle 2\) completed: \d+\.\d+ J, \d+\.\d+ mJ\/output token/);
    // The baseline is taken in the scenario's idle lead, so adjusted energy means something:
    // at 450 W under load and 70 W idle it is about 84 % of the raw energy, never about 0 J.
    const study = readdirSync(out).find((f) => f.startsWith("command-batch-sweep_"))!;
    const runs = readdirSync(join(out, study)).filter((f) => /^\d{3}_/.test(f));
    expect(runs).toHaveLength(8);
    for (const run of runs) {
      const res = JSON.parse(readFileSync(join(out, study, run, "result.json"), "utf8"));
      expect(res.baseline.devices[0].validity.status).toBe("accepted");
      expect(res.baseline.devices[0].meanW).toBeCloseTo(70, 0);
      expect(res.energy.adjustedTotalJ / res.energy.totalJ).toBeGreaterThan(0.7);
    }
  });

  it("examples/quickstart.js samples the GPU and compares counter and integral", async () => {
    const r = await execa(process.execPath, ["examples/quickstart.js"], { cwd: repoRoot, env: cleanEnv(), extendEnv: false, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("Using lem's simulated GPU instead: every figure below is SIMULATED.");
    expect(r.stdout).toMatch(/GPU 0: \d+\.\d+ s, energy counter \d+\.\d+ J, instant-power integral \d+\.\d+ J/);
  });
});
