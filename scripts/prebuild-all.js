#!/usr/bin/env node
// npm run prebuild:all — the release's prebuilt addons (linux-x64 and linux-arm64, glibc),
// built with prebuildify in a staging copy (so build/ of this checkout is left alone) and
// written to prebuilds/<platform>-<arch>/ with a build-info.json recording the hash of the
// native sources they were built from (check-prebuilds.js compares it before packing).
// The arm64 one is cross-compiled with Debian's g++-aarch64-linux-gnu. Build only some
// targets with: npm run prebuild:all -- arm64
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nativeSourcesHash } from "./native-sources-hash.js";
import { BUILD_INFO, PREBUILD_NAME, PREBUILD_TARGETS, SUPERVISOR } from "./prebuild-targets.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wanted = process.argv.slice(2);
const targets = PREBUILD_TARGETS.filter((t) => wanted.length === 0 || wanted.includes(t.arch));
if (targets.length === 0) {
  console.error(`prebuild:all: no target named ${wanted.join(", ")}; known: ${PREBUILD_TARGETS.map((t) => t.arch).join(", ")}`);
  process.exit(2);
}

// Node-API headers: the configured nodedir, else the running Node's own (Debian and
// NodeSource packages ship them in /usr/include/node), else node-gyp downloads them.
const env = { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` };
if (!env.npm_config_nodedir) {
  const prefix = join(dirname(process.execPath), "..");
  if (existsSync(join(prefix, "include", "node", "node_api.h"))) env.npm_config_nodedir = prefix;
}

const hash = nativeSourcesHash(root);
const nodeAddonApi = JSON.parse(readFileSync(join(root, "node_modules", "node-addon-api", "package.json"), "utf8")).version;

for (const t of targets) {
  const name = `${t.platform}-${t.arch}`;
  const cxx = t.env.CXX ?? "c++";
  const probe = spawnSync(cxx, ["--version"], { encoding: "utf8" });
  if (probe.status !== 0) {
    console.error(`prebuild:all: ${name} needs the compiler ${cxx}, which is not on PATH (on Debian: apt-get install g++-aarch64-linux-gnu).`);
    process.exit(1);
  }
  const stage = mkdtempSync(join(tmpdir(), `lem-prebuild-${t.arch}-`));
  try {
    for (const entry of ["package.json", "binding.gyp", "native"]) {
      cpSync(join(root, entry), join(stage, entry), { recursive: true, filter: (src) => !src.startsWith(join(root, "native", "tests")) });
    }
    symlinkSync(join(root, "node_modules"), join(stage, "node_modules"));
    const args = ["--napi", "--strip", "--tag-libc", "--target", "20.19.0", "--arch", t.arch, "--name", PREBUILD_NAME];
    if (t.strip) args.push("--strip-bin", t.strip);
    console.log(`prebuild:all: ${name} (${probe.stdout.split("\n")[0]})`);
    execFileSync("prebuildify", args, { cwd: stage, env: { ...env, ...t.env }, stdio: "inherit" });
    const out = join(root, "prebuilds", name);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    cpSync(join(stage, "prebuilds", name, t.file), join(out, t.file));
    const supervise = ["-static", "-std=c11", "-O2", "-Wall", "-Wextra", "-s", join(root, "native", "supervise", "lem_supervise.c"), "-o", join(out, SUPERVISOR)];
    execFileSync(t.cc, supervise, { stdio: "inherit" });
    const info = { target: name, libc: "glibc", napi: 8, file: t.file, nativeSourcesSha256: hash, compiler: probe.stdout.split("\n")[0], nodeAddonApi };
    writeFileSync(join(out, BUILD_INFO), `${JSON.stringify(info, null, 2)}\n`);
    console.log(`prebuild:all: wrote prebuilds/${name}/${t.file}`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
