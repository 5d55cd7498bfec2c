/**
 * Runs a short external command for the snapshot (nvcc, python, conda) with a time limit.
 * Never throws: a missing program, a non-zero exit or a timeout becomes a reason in words.
 */
import { execa } from "execa";
import { access, constants } from "node:fs/promises";
import { delimiter, join, resolve } from "node:path";

export type CommandOutcome =
  | { ok: true; stdout: string; stderr: string }
  | { ok: false; reason: string };

export interface RunCommandOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/** The command line as a person would type it, for messages. */
export function describeCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

export async function runCommand(file: string, args: readonly string[], options: RunCommandOptions): Promise<CommandOutcome> {
  const shown = `\`${describeCommand(file, args)}\``;
  let timedOut = false;
  try {
    const subprocess = execa(file, args, {
      reject: false,
      // Its own process group, so that a timeout ends everything it started: a grandchild
      // holding our pipes open would otherwise keep the snapshot waiting.
      detached: true,
      stdin: "ignore",
      env: options.env ?? process.env,
      extendEnv: false,
      maxBuffer: 64 * 1024 * 1024,
      stripFinalNewline: true,
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(subprocess.pid);
    }, options.timeoutMs);
    let r;
    try {
      r = await subprocess;
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) return { ok: false, reason: `${shown} did not finish within ${options.timeoutMs} ms and was stopped` };
    if (r.failed) {
      const code = (r as { code?: string }).code;
      if (code === "ENOENT") return { ok: false, reason: `${shown} failed: ${file} was not found (not on PATH, or no such file)` };
      if (code === "EACCES") return { ok: false, reason: `${shown} failed: ${file} is not executable` };
      const why = r.exitCode !== undefined ? `exited with code ${r.exitCode}` : `ended by ${r.signal ?? "an error"}`;
      const said = lastLine(String(r.stderr ?? "")) || lastLine(String(r.stdout ?? ""));
      return { ok: false, reason: `${shown} ${why}${said ? `: ${said}` : ""}` };
    }
    return { ok: true, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
  } catch (error) {
    return { ok: false, reason: `${shown} could not be run: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** SIGKILL to the whole group: a hung program gets no say, the snapshot must finish. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n").map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? "";
}

/** The absolute path `file` resolves to on PATH (or itself, when it names a path), or undefined. */
export async function findOnPath(file: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidates = file.includes("/") ? [file] : (env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, file));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return resolve(candidate);
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}
