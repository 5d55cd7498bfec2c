// The lem command itself: bare lem, its version, and global options that stop at "--".
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { version } from "../lib/version.js";
import { cleanEnv, runLem } from "./support/run-lem.js";

describe("lem", () => {
  it("bare, prints the overview of commands on stdout and exits 0", async () => {
    const r = await runLem([]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^lem \S+: measure the energy of LLM inference on NVIDIA GPUs\n\nUsage: lem <command> \[options\]/);
    expect(r.stderr).toBe("");
  });

  for (const args of [["--version"], ["-v"], ["version"]]) {
    it(`prints its version for ${args.join(" ")}`, async () => {
      const r = await runLem(args);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe(version);
    });
  }

  it("leaves a --simulate after -- to the measured command (lem measure -- cmd --simulate x)", { timeout: 60_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), "lem-argv-")), "argv.json");
    const child = [process.execPath, "-e", `require("fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(1)))`, "--", "--simulate", "x"];
    const r = await runLem(["measure", "--", ...child], cleanEnv({ LEM_SIMULATE: "default" }));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(["--simulate", "x"]);
    expect(r.stderr).toContain('SIMULATED GPU (scenario "default")');
  });
});
