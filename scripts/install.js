#!/usr/bin/env node
// npm's install script. The prebuilt addon when one fits this machine (linux-x64 and
// linux-arm64 with glibc), else a build from source (python3, make, a C++17 compiler). When
// neither works the install still succeeds: lem then reads and reports results everywhere and
// says, when asked to measure, what is missing. One message, never the compiler's output (it
// goes to build/install.log).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const nodeGypBuild = require("node-gyp-build");
const where = `${process.platform}-${process.arch}`;
const noAddon = "Until then lem results, lem report, lem schema and lem run --dry-run work; measuring needs the addon.";
const say = (text) => console.warn(`lem-energy: ${text}`);

if (!process.env.npm_config_build_from_source) {
  try {
    nodeGypBuild(root);
    process.exit(0);
  } catch {
    // No prebuild fits (or none loads): build from source below.
  }
}

if (process.platform !== "linux") {
  say(`no native addon for ${where}: measuring needs Linux with an NVIDIA driver. lem results, lem report, lem schema and lem run --dry-run work here.`);
  process.exit(0);
}

const libc = process.env.LIBC || (existsSync("/etc/alpine-release") ? "musl" : "glibc");
const onPath = (cmd) => spawnSync("sh", ["-c", `command -v "${cmd}"`], { stdio: "ignore" }).status === 0;
const compiler = process.env.CXX || "c++";
const missing = [["python3", "python3"], ["make", "make"], [compiler, "a C++17 compiler"]].filter(([cmd]) => !onPath(cmd)).map(([, what]) => what);
if (missing.length > 0) {
  say(
    `no prebuilt addon fits ${where} (${libc}) and it cannot be built here: ${missing.join(", ")} not found on PATH. ` +
      `Install them (Debian/Ubuntu: apt-get install python3 make g++; RHEL: dnf install python3 make gcc-c++; Alpine: apk add python3 make g++), then run npm rebuild lem-energy. ${noAddon}`,
  );
  process.exit(0);
}

say(`no prebuilt addon fits ${where} (${libc}); building it from source...`);
const gyp = process.env.npm_config_node_gyp;
const build = gyp
  ? spawnSync(process.execPath, [gyp, "rebuild"], { cwd: root, encoding: "utf8" })
  : spawnSync("node-gyp", ["rebuild"], { cwd: root, encoding: "utf8" });
if (build.status === 0) {
  say("built the native addon from source.");
  process.exit(0);
}
mkdirSync(join(root, "build"), { recursive: true });
const log = join(root, "build", "install.log");
writeFileSync(log, `${build.error ? `${build.error.message}\n` : ""}${build.stdout ?? ""}${build.stderr ?? ""}`);
say(`building the native addon from source failed (the compiler's output is in ${log}). Fix what it names, then run npm rebuild lem-energy. ${noAddon}`);
process.exit(0);
