// What `npm install lem-energy` gets: a prebuilt addon that loads on glibc 2.28 / GCC 8 systems,
// found without compiling, with `import` and the `lem` bin working in a clean project.
import { execa } from "execa";
import { cpSync, existsSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, repoRoot } from "./support/run-lem.js";
import { requiredVersions } from "./support/glibc-versions.js";

// prebuildify rebuilds build/ from scratch, which other test files are loading the addon
// from: the package is staged in a copy and built there.
const stage = mkdtempSync(join(tmpdir(), "lem-stage-"));
const prebuildDir = join(stage, "prebuilds", "linux-x64");

describe("the prebuilt addon", () => {
  beforeAll(async () => {
    for (const entry of ["package.json", "binding.gyp", "CMakeLists.txt", "tsconfig.json", "README.md", "native", "lib", "scenarios", "examples"]) {
      cpSync(join(repoRoot, entry), join(stage, entry), { recursive: true });
    }
    symlinkSync(join(repoRoot, "node_modules"), join(stage, "node_modules"));
    await execa("npm", ["run", "prebuild"], { cwd: stage });
  }, 600_000);

  it("is written to prebuilds/linux-x64 by npm run prebuild", () => {
    expect(readdirSync(prebuildDir).filter((f) => f.endsWith(".node"))).toEqual(["lem.node"]);
  });

  it("needs no glibc newer than 2.28 and no libstdc++ newer than GCC 8's (checked with objdump -T)", async () => {
    const { newest, offenders } = await requiredVersions(join(prebuildDir, "lem.node"));
    expect(offenders).toEqual([]);
    expect(newest.GLIBC).toBeDefined();
    expect(newest.GLIBCXX).toBeDefined();
  });

  it("installs from the npm pack tarball into a clean project and loads without compiling", { timeout: 600_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), "lem-pack-"));
    const pack = await execa("npm", ["pack", "--pack-destination", work, "--json"], { cwd: stage });
    const [{ filename, files }] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
    expect(files.map((f) => f.path)).toContain("prebuilds/linux-x64/lem.node");

    const project = join(work, "project");
    await execa("mkdir", ["-p", project]);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    await execa("npm", ["install", join(work, filename), "--prefer-offline", "--no-audit", "--no-fund"], {
      cwd: project,
      env: { ...process.env, npm_config_build_from_source: "" },
    });
    const installed = join(project, "node_modules", "lem-energy");
    expect(existsSync(join(installed, "build"))).toBe(false); // nothing was compiled

    const env = cleanEnv();
    const imported = await execa(
      process.execPath,
      ["--input-type=module", "-e", 'import { nvmlStatus, version } from "lem-energy"; console.log(JSON.stringify({ version, status: nvmlStatus() }))'],
      { cwd: project, env, extendEnv: false },
    );
    const out = JSON.parse(imported.stdout) as { version: string; status: { available: boolean; reason: string } };
    expect(out.status.available).toBe(false);
    expect(out.status.reason).toContain("LEM_SIMULATE=default");

    const bin = await execa(join(project, "node_modules", ".bin", "lem"), ["devices", "--json"], {
      cwd: project,
      env: { ...env, LEM_SIMULATE: "default" },
      extendEnv: false,
    });
    const devices = JSON.parse(bin.stdout) as { nvml: { simulated: boolean }; devices: unknown[] };
    expect(devices.nvml.simulated).toBe(true);
    expect(devices.devices).toHaveLength(1);
  });
});

describe("the node-gyp build", () => {
  it("needs no glibc newer than 2.28 and no libstdc++ newer than GCC 8's either", async () => {
    const { offenders } = await requiredVersions(join(repoRoot, "build", "Release", "lem.node"));
    expect(offenders).toEqual([]);
  });
});

describe("the cmake-js build", () => {
  it("produces an addon that works like the node-gyp one", { timeout: 600_000 }, async () => {
    const out = "build/cmake-js";
    const r = await execa("npx", ["cmake-js", "compile", "--out", out], { cwd: repoRoot, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
    const probe = await execa(
      process.execPath,
      [
        "-e",
        `const b = require(${JSON.stringify(join(repoRoot, out, "Release", "lem.node"))});
         b.useSimulation(JSON.stringify({ name: "cmake", devices: [{ name: "Sim" }] }));
         const s = new b.NativeSampler({ intervalNs: 1e6, utilizationEvery: 10, ringCapacity: 1024 });
         s.start(); setTimeout(() => { s.stop(); console.log(JSON.stringify({ n: b.listDevices().length, ticks: s.stats().timing.ticks })); }, 100);`,
      ],
      { env: cleanEnv(), extendEnv: false },
    );
    const { n, ticks } = JSON.parse(probe.stdout) as { n: number; ticks: number };
    expect(n).toBe(1);
    expect(ticks).toBeGreaterThan(50);
  });
});
