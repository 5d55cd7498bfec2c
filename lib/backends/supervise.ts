/**
 * Children that die with lem: argv is wrapped in native/supervise's lem-supervise (built with
 * the addon), which takes a parent-death signal from the kernel and then kills the child's whole
 * process group. Node cannot set PR_SET_PDEATHSIG for a child it spawns, hence the wrapper.
 * Where it is missing (an install without it), children run unwrapped, as before.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: dist/backends/supervise.js -> ../.. (lib/backends/supervise.ts under vitest). */
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));

let found: string | null | undefined;

/** The lem-supervise executable: a source build's build/Release, else the prebuild's folder. */
export function supervisorPath(): string | null {
  if (found !== undefined) return found;
  const candidates = [
    join(packageRoot, "build", "Release", "lem-supervise"),
    join(packageRoot, "prebuilds", `${process.platform}-${process.arch}`, "lem-supervise"),
  ];
  found = process.platform === "linux" ? (candidates.find((c) => isExecutable(c) && runsHere(c)) ?? null) : null;
  return found;
}

/** A prebuilt wrapper linked against a newer glibc than this machine's does not start: checked once. */
function runsHere(path: string): boolean {
  const r = spawnSync(path, ["--check"], { encoding: "utf8", timeout: 5000 });
  return r.status === 0 && r.stdout.trim() === "lem-supervise ok";
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Why `command` cannot be run, as spawn would say it (ENOENT, EACCES), or null when it can. */
export function unrunnable(command: string, env: NodeJS.ProcessEnv, cwd: string | undefined): { code: string; message: string } | null {
  const base = cwd ?? process.cwd();
  const paths = command.includes("/") ? [resolve(base, command)] : (env.PATH ?? "").split(delimiter).map((d) => resolve(base, d || ".", command));
  let denied = false;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    if (isExecutable(p)) return null;
    denied = true;
  }
  const code = denied ? "EACCES" : "ENOENT";
  return { code, message: `spawn ${command} ${code}` };
}

/**
 * The argv to spawn so that the child dies with this process: [lem-supervise, lem's pid, ...argv],
 * or argv itself where the wrapper is missing. The wrapper would exec the command itself, so a
 * command that cannot run is spawned unwrapped: the spawn then fails as it always did (ENOENT).
 */
export function supervisedArgv(argv: string[], env: NodeJS.ProcessEnv, cwd: string | undefined): string[] {
  const wrapper = supervisorPath();
  if (!wrapper || argv.length === 0 || unrunnable(argv[0]!, env, cwd)) return argv;
  return [wrapper, String(process.pid), ...argv];
}
