// What `npm install lem-energy` gets: glibc-tagged prebuilt addons for linux-x64 and
// linux-arm64 that load on glibc 2.28 / GCC 8 systems, found without compiling; an install
// that succeeds where no addon can be had (lem then reads results but does not measure);
// and a tarball of only what runs.
import { execa } from "execa";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, appendFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { nativeSourcesHash } from "../scripts/native-sources-hash.js";
import { arm64Node } from "./support/arm64-node.js";
import { requiredVersions } from "./support/glibc-versions.js";
import { cleanEnv, lemBin, repoRoot } from "./support/run-lem.js";

// prebuildify rebuilds build/, which other test files are loading the addon from: the
// package is staged in a copy and built there.
const stage = mkdtempSync(join(tmpdir(), "lem-stage-"));
const work = mkdtempSync(join(tmpdir(), "lem-pack-"));
const TARGETS = ["linux-x64", "linux-arm64"] as const;
let tarball = "";

function addonProbe(loader: string) {
  return `const load = require(${JSON.stringify(loader)});
    const dir = ${JSON.stringify(stage)};
    const b = load(dir);
    b.useSimulation(JSON.stringify({ name: "probe", devices: [{ name: "Sim" }] }));
    const s = new b.NativeSampler({ intervalNs: 1e6, utilizationEvery: 10, ringCapacity: 4096 });
    s.start();
    setTimeout(() => {
      s.stop();
      const st = s.stats();
      console.log(JSON.stringify({ arch: process.arch, file: load.resolve(dir), devices: b.listDevices().map((d) => d.name), ticks: st.timing.ticks, counterJ: st.devices[0].energy.counterJ }));
    }, 300);`;
}

beforeAll(async () => {
  for (const entry of ["package.json", "binding.gyp", "CMakeLists.txt", "tsconfig.json", "README.md", "LICENSE", "native", "lib", "scripts", "scenarios", "examples", "harness", "docs", "prebuilds/README.md"]) {
    cpSync(join(repoRoot, entry), join(stage, entry), { recursive: true, filter: (src) => !src.includes("__pycache__") && !src.includes(join("examples", "results")) });
  }
  symlinkSync(join(repoRoot, "node_modules"), join(stage, "node_modules"));
  await execa("npm", ["run", "prebuild:all"], { cwd: stage });
  const pack = await execa("npm", ["pack", "--pack-destination", work, "--json"], { cwd: stage });
  tarball = join(work, (JSON.parse(pack.stdout) as [{ filename: string }])[0].filename);
}, 1_200_000);

describe("npm run prebuild:all", () => {
  it("writes one glibc-tagged addon for linux-x64 and one for linux-arm64, each beside the hash of the native sources it was built from", () => {
    const hash = nativeSourcesHash(stage);
    for (const target of TARGETS) {
      expect(readdirSync(join(stage, "prebuilds", target)).sort()).toEqual(["build-info.json", "lem-supervise", "lem.glibc.node"]);
      const info = JSON.parse(readFileSync(join(stage, "prebuilds", target, "build-info.json"), "utf8")) as Record<string, unknown>;
      expect(info).toMatchObject({ target, libc: "glibc", napi: 8, nativeSourcesSha256: hash });
    }
  });

  it("ships lem-supervise for each target as a static executable, which starts on any glibc", async () => {
    for (const target of TARGETS) {
      const file = join(stage, "prebuilds", target, "lem-supervise");
      const header = (await execa("readelf", ["-h", file])).stdout;
      expect(header).toMatch(target === "linux-x64" ? /Machine:\s+Advanced Micro Devices X86-64/ : /Machine:\s+AArch64/);
      expect((await execa("readelf", ["-d", file])).stdout).toContain("There is no dynamic section");
    }
    const check = await execa(join(stage, "prebuilds", "linux-x64", "lem-supervise"), ["--check"]);
    expect(check.stdout.trim()).toBe("lem-supervise ok");
  });

  // Measured with readelf on the undefined dynamic symbols: the floor is what the loader needs.
  it("the linux-x64 prebuild needs at most GLIBC_2.17, GLIBCXX_3.4.22 and CXXABI_1.3.9 (glibc 2.28 / GCC 8 load it)", async () => {
    const { newest, offenders } = await requiredVersions(join(stage, "prebuilds", "linux-x64", "lem.glibc.node"));
    expect(offenders).toEqual([]);
    expect(newest).toEqual({ GLIBC: "2.17", GLIBCXX: "3.4.22", CXXABI: "1.3.9" });
  });

  it("the linux-arm64 prebuild needs at most GLIBC_2.17, GLIBCXX_3.4.22 and CXXABI_1.3.9 (aarch64's own baseline: glibc 2.28 / GCC 8 load it)", async () => {
    const file = join(stage, "prebuilds", "linux-arm64", "lem.glibc.node");
    expect((await execa("readelf", ["-h", file])).stdout).toMatch(/Machine:\s+AArch64/);
    const { newest, offenders } = await requiredVersions(file);
    expect(offenders).toEqual([]);
    expect(newest).toEqual({ GLIBC: "2.17", GLIBCXX: "3.4.22", CXXABI: "1.3.9" });
  });

  it("the linux-arm64 prebuild loads through node-gyp-build and samples the simulated GPU under qemu-user with Debian's arm64 Node.js", { timeout: 300_000 }, async (ctx) => {
    const arm = await arm64Node();
    if (arm.unavailable) {
      ctx.skip(arm.unavailable);
      return;
    }
    const r = await arm.run(["-e", addonProbe(join(repoRoot, "node_modules", "node-gyp-build"))], { env: cleanEnv() });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as { arch: string; file: string; devices: string[]; ticks: number; counterJ: number };
    expect(out.arch).toBe("arm64");
    expect(out.file).toBe(join(stage, "prebuilds", "linux-arm64", "lem.glibc.node"));
    expect(out.devices).toEqual(["Sim"]);
    expect(out.ticks).toBeGreaterThan(20);
    expect(out.counterJ).toBeGreaterThan(0);
  });

  it("picks the linux-x64 prebuild on glibc, and none on musl (Alpine builds from source)", async () => {
    const loader = join(repoRoot, "node_modules", "node-gyp-build");
    const glibc = await execa(process.execPath, ["-e", addonProbe(loader)], { env: cleanEnv(), extendEnv: false });
    expect(JSON.parse(glibc.stdout)).toMatchObject({ arch: "x64", file: join(stage, "prebuilds", "linux-x64", "lem.glibc.node"), devices: ["Sim"] });
    const musl = await execa(process.execPath, ["-e", `require(${JSON.stringify(loader)}).resolve(${JSON.stringify(stage)})`], {
      env: cleanEnv({ LIBC: "musl" }),
      extendEnv: false,
      reject: false,
    });
    expect(musl.exitCode).toBe(1);
    expect(musl.stderr).toContain("No native build was found for platform=linux arch=x64");
    expect(musl.stderr).toContain("libc=musl");
  });
});

describe("prepack", () => {
  it("refuses to pack without the linux-arm64 prebuild, then with one built from other native sources", { timeout: 120_000 }, async () => {
    const copy = mkdtempSync(join(tmpdir(), "lem-prepack-"));
    for (const entry of ["package.json", "binding.gyp", "native", "scripts", "prebuilds"]) cpSync(join(stage, entry), join(copy, entry), { recursive: true });
    const arm = join(copy, "prebuilds", "linux-arm64", "lem.glibc.node");
    renameSync(arm, `${arm}.away`);
    const missing = await execa("npm", ["pack", "--dry-run"], { cwd: copy, reject: false });
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain("lem: cannot pack: prebuilds/linux-arm64/lem.glibc.node is missing");
    expect(missing.stderr).toContain("Run npm run prebuild:all");

    renameSync(`${arm}.away`, arm);
    appendFileSync(join(copy, "native", "sampler", "sampler.cc"), "\n// changed after the prebuilds were made\n");
    const stale = await execa("npm", ["pack", "--dry-run"], { cwd: copy, reject: false });
    expect(stale.exitCode).not.toBe(0);
    expect(stale.stderr).toMatch(/prebuilds\/linux-x64\/lem\.glibc\.node is stale: built from native sources [0-9a-f]{12}, packing [0-9a-f]{12}/);
    expect(stale.stderr).toMatch(/prebuilds\/linux-arm64\/lem\.glibc\.node is stale/);
  });
});

describe("the tarball", () => {
  it("holds only what runs: dist without source maps, harness, native sources and build files, both prebuilds, scenarios, examples without results, docs, README, LICENSE", { timeout: 300_000 }, async () => {
    const pack = await execa("npm", ["pack", "--dry-run", "--json"], { cwd: stage });
    const [{ files, size }] = JSON.parse(pack.stdout) as [{ files: { path: string }[]; size: number }];
    const paths = files.map((f) => f.path);
    const outside = paths.filter((p) => !/^(dist|harness|native|prebuilds|scenarios|examples|docs)\//.test(p));
    expect(outside.sort()).toEqual(["CMakeLists.txt", "LICENSE", "README.md", "binding.gyp", "package.json", "scripts/install.js"]);
    expect(paths.filter((p) => p.startsWith("prebuilds/")).sort()).toEqual([
      "prebuilds/README.md",
      "prebuilds/linux-arm64/build-info.json",
      "prebuilds/linux-arm64/lem-supervise",
      "prebuilds/linux-arm64/lem.glibc.node",
      "prebuilds/linux-x64/build-info.json",
      "prebuilds/linux-x64/lem-supervise",
      "prebuilds/linux-x64/lem.glibc.node",
    ]);
    expect(paths.filter((p) => /\.(js|ts)\.map$/.test(p))).toEqual([]); // (native/sim/libnvidia-ml.map is a linker script)
    expect(paths.filter((p) => /(^|\/)tests?\//.test(p) || p.includes("__pycache__") || p.startsWith("examples/results"))).toEqual([]);
    expect(paths.filter((p) => p.startsWith("examples/")).sort()).toEqual(["examples/demo.js", "examples/quickstart.js", "examples/study-command.yaml"]);
    expect(paths).toEqual(expect.arrayContaining(["dist/cli/main.js", "dist/index.js", "dist/index.d.ts", "docs/getting-started.md", "docs/troubleshooting.md", "harness/python/lem_transformers.py", "native/sources.json"]));
    // Every source the native build lists ships, so that a source build works from the tarball.
    const sources = JSON.parse(readFileSync(join(stage, "native", "sources.json"), "utf8")) as Record<string, string[]>;
    expect(paths).toEqual(expect.arrayContaining([...sources.core!, ...sources.addon!]));
    // The README states this bound.
    expect(size).toBeLessThan(1_600_000);
  });
});

describe("installing the tarball", () => {
  it("into a clean project loads the prebuild without compiling; import and the lem bin work", { timeout: 600_000 }, async () => {
    const project = join(work, "project");
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    await execa("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund"], { cwd: project, env: { ...process.env, npm_config_build_from_source: "" } });
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

    const bin = await execa(join(project, "node_modules", ".bin", "lem"), ["devices", "--json"], { cwd: project, env: { ...env, LEM_SIMULATE: "default" }, extendEnv: false });
    const devices = JSON.parse(bin.stdout) as { nvml: { simulated: boolean }; devices: unknown[] };
    expect(devices.nvml.simulated).toBe(true);
    expect(devices.devices).toHaveLength(1);
  });

  it("where no prebuild fits and there is no compiler, succeeds with one message; lem report works and measuring says what is missing", { timeout: 600_000 }, async () => {
    // A PATH with sh, node and npm only (no python3, make, c++), and musl so no prebuild fits.
    const bin = join(work, "bare-bin");
    mkdirSync(bin);
    const npmCli = (await execa("sh", ["-c", "readlink -f \"$(command -v npm)\""])).stdout;
    symlinkSync("/bin/sh", join(bin, "sh"));
    symlinkSync(process.execPath, join(bin, "node"));
    symlinkSync(npmCli, join(bin, "npm"));
    const env = { ...cleanEnv(), PATH: bin, LIBC: "musl", npm_config_build_from_source: "" };
    const project = join(work, "bare-project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "laptop", private: true }));
    const install = await execa(join(bin, "npm"), ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--foreground-scripts"], { cwd: project, env, extendEnv: false, reject: false, all: true });
    expect(install.exitCode, install.all).toBe(0);
    const said = install.all.split("\n").filter((l) => l.includes("lem-energy:"));
    expect(said).toEqual([
      "lem-energy: no prebuilt addon fits linux-x64 (musl) and it cannot be built here: python3, make, a C++17 compiler not found on PATH. " +
        "Install them (Debian/Ubuntu: apt-get install python3 make g++; RHEL: dnf install python3 make gcc-c++; Alpine: apk add python3 make g++), then run npm rebuild lem-energy. " +
        "Until then lem results, lem report, lem schema and lem run --dry-run work; measuring needs the addon.",
    ]);

    // A study measured elsewhere (here: with the repository's lem on the simulated GPU).
    const results = join(work, "results");
    await execa(process.execPath, [lemBin, "run", join(repoRoot, "examples", "study-command.yaml"), "--simulate", "--output", results], { env: cleanEnv(), extendEnv: false });
    const [study] = readdirSync(results);
    const lem = join(project, "node_modules", ".bin", "lem");
    const report = await execa(lem, ["report", join(results, study!), "--out", join(work, "laptop-report.html")], { env, extendEnv: false, reject: false });
    expect(report.exitCode, report.stderr).toBe(0);
    expect(readFileSync(join(work, "laptop-report.html"), "utf8")).toContain("command-batch-sweep");

    const measure = await execa(lem, ["measure", "--", "true"], { env, extendEnv: false, reject: false });
    expect(measure.exitCode).not.toBe(0);
    expect(measure.stderr).toContain("measuring needs lem's native addon, which could not be loaded on linux-x64");
    expect(measure.stderr).toContain("install them, then run npm rebuild lem-energy in your project");
    expect(measure.stderr).not.toMatch(/\n\s+at /); // no stack trace
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
