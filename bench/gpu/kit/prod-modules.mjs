// Lists the directories of lem's production dependencies (package.json "dependencies" and
// theirs, resolved as Node would), relative to the directory that holds node_modules, one a line.
// Used by pack.sh to carry only what `lem` needs at run time to a machine without a registry.
//   node bench/gpu/kit/prod-modules.mjs PACKAGE_ROOT
import { readFileSync, existsSync, realpathSync } from "node:fs";
import { join, dirname, relative } from "node:path";
const root = process.argv[2] ?? process.cwd();
const base = dirname(realpathSync(join(root, "node_modules")));
const seen = new Set();
// Where Node would find `name` from `fromDir`: the nearest node_modules above it.
function find(name, fromDir) {
  let d = fromDir;
  for (;;) {
    const c = join(d, "node_modules", name);
    if (existsSync(join(c, "package.json"))) return c;
    const up = dirname(d);
    if (up === d) return null;
    d = up;
  }
}
const queue = [[base, JSON.parse(readFileSync(join(root, "package.json"))).dependencies]];
while (queue.length) {
  const [dir, deps] = queue.shift();
  for (const name of Object.keys(deps ?? {})) {
    const p = find(name, dir);
    if (!p) {
      console.error(`prod-modules: ${name} (needed by ${dir}) is not installed: run npm install first`);
      process.exitCode = 1;
      continue;
    }
    if (seen.has(p)) continue;
    seen.add(p);
    const pj = JSON.parse(readFileSync(join(p, "package.json")));
    queue.push([p, { ...pj.dependencies, ...pj.optionalDependencies }]);
  }
}
for (const p of [...seen].sort()) console.log(relative(base, p));
