// The SHA-256 of what a prebuild is built from: binding.gyp and every file under native/
// that ships in the package (native/tests does not). Recorded beside each prebuild by
// prebuild-all.js and compared by check-prebuilds.js before packing.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "tests" && dir.endsWith("native") ? [] : files(path);
    return e.isFile() ? [path] : [];
  });
}

export function nativeSourcesHash(root) {
  const hash = createHash("sha256");
  const list = [join(root, "binding.gyp"), ...files(join(root, "native"))]
    .map((p) => relative(root, p).split(sep).join("/"))
    .sort();
  for (const rel of list) {
    hash.update(`${rel}\0`);
    hash.update(readFileSync(join(root, rel)));
    hash.update("\0");
  }
  return hash.digest("hex");
}
