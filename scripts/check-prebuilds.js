#!/usr/bin/env node
// prepack: refuses to pack without every release prebuild, or with one built from other
// native sources than the ones being packed (the hash in its build-info.json).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nativeSourcesHash } from "./native-sources-hash.js";
import { BUILD_INFO, PREBUILD_TARGETS, SUPERVISOR } from "./prebuild-targets.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const hash = nativeSourcesHash(root);
const problems = [];
for (const t of PREBUILD_TARGETS) {
  const dir = join("prebuilds", `${t.platform}-${t.arch}`);
  const infoPath = join(root, dir, BUILD_INFO);
  if (!existsSync(join(root, dir, t.file))) {
    problems.push(`${dir}/${t.file} is missing`);
    continue;
  }
  if (!existsSync(join(root, dir, SUPERVISOR))) {
    problems.push(`${dir}/${SUPERVISOR} is missing`);
    continue;
  }
  if (!existsSync(infoPath)) {
    problems.push(`${dir}/${BUILD_INFO} is missing, so where ${t.file} came from is unknown`);
    continue;
  }
  const info = JSON.parse(readFileSync(infoPath, "utf8"));
  if (info.nativeSourcesSha256 !== hash) {
    problems.push(`${dir}/${t.file} is stale: built from native sources ${String(info.nativeSourcesSha256).slice(0, 12)}, packing ${hash.slice(0, 12)}`);
  }
}
if (problems.length > 0) {
  console.error(`lem: cannot pack: ${problems.join("; ")}.\nRun npm run prebuild:all (needs g++-aarch64-linux-gnu for arm64), then pack again.`);
  process.exit(1);
}
// On stderr: npm pack --json prints its JSON on stdout, after this.
console.error(`lem: prebuilds match the native sources (${hash.slice(0, 12)}): ${PREBUILD_TARGETS.map((t) => `${t.platform}-${t.arch}`).join(", ")}`);
