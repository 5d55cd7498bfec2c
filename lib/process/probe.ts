/** Runs a short probe program: an argument array (never a shell), a timeout, output kept small. */
import { execa } from "execa";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

export interface ProbeResult {
  ok: boolean;
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The signal that ended it, other than the timeout's. */
  signal?: string;
  /** Spawn failure (ENOENT, EACCES ...). */
  spawnError?: string;
}

export async function runProbe(file: string, args: string[], timeoutMs: number): Promise<ProbeResult> {
  const r = await execa(file, args, {
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 1024 * 1024,
    reject: false,
    stdin: "ignore",
    // A probe must not inherit a GPU selection that would make it touch the GPU.
    env: { CUDA_VISIBLE_DEVICES: "" },
  });
  const spawnFailed = r.failed && r.exitCode === undefined && !r.timedOut && r.signal === undefined;
  return {
    ok: !r.failed,
    exitCode: r.exitCode ?? null,
    timedOut: r.timedOut,
    stdout: String(r.stdout ?? ""),
    stderr: String(r.stderr ?? ""),
    ...(r.signal && !r.timedOut ? { signal: r.signal } : {}),
    ...(spawnFailed ? { spawnError: r.code ? `${r.code}: ${r.shortMessage}` : r.shortMessage } : {}),
  };
}

/** The last non-empty line of a program's stderr, for a failure message. */
export function lastLine(text: string): string | undefined {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where `name` would be run from: a name with a slash is a path; a bare name is searched on
 * PATH. Undefined when there is no executable file there.
 */
export function findExecutable(name: string, path = process.env.PATH ?? ""): string | undefined {
  if (name.includes("/")) {
    const full = isAbsolute(name) ? name : resolve(name);
    return isExecutableFile(full) ? full : undefined;
  }
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
