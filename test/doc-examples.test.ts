// Every JavaScript example in the README and docs/ runs as written (on the simulated GPU).
import { execa } from "execa";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, repoRoot } from "./support/run-lem.js";

// Inside the package, so that `import ... from "lem"` resolves to it by self-reference.
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

  it("npm run demo (the README's first command) samples and prints the energy", async () => {
    const r = await execa("npm", ["run", "--silent", "demo"], { cwd: repoRoot, env: cleanEnv(), extendEnv: false, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("Using lem's simulated GPU instead: every figure below is SIMULATED.");
    expect(r.stdout).toMatch(/GPU 0: \d+\.\d+ s, energy counter \d+\.\d+ J, instant-power integral \d+\.\d+ J/);
  });
});
