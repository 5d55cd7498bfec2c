/**
 * An inference server as a child process: its own process group (stopped as a whole, with
 * whatever workers it forked), its output written straight to a log file by the child itself,
 * and tracked so that an exiting lem takes it along. Spawns; never samples.
 */
import { closeSync } from "node:fs";
import { execa, type Options } from "execa";
import { InvalidOptionsError } from "../../errors.js";
import { trackGroup, untrackGroup } from "../child-process.js";
import { supervisedArgv } from "../supervise.js";
import { openAppendNoFollow } from "../../fs/inside-dir.js";
import { groupAlive } from "../../process/alive.js";

export { groupAlive };

export interface StartServerOptions {
  argv: string[];
  /** The server's complete environment (lem's own is not added). */
  env: Record<string, string>;
  cwd?: string;
  /** The server's stdout and stderr, appended. */
  logFile: string;
  onSpawn?: (pid: number) => void;
}

export interface ServerExit {
  exitCode: number | null;
  signal: string | null;
  /** Why the process could not be started at all (e.g. "ENOENT: vllm was not found"), else null. */
  spawnError: string | null;
}

export interface ServerStopOutcome {
  exitCode: number | null;
  signal: string | null;
  /** SIGKILL was needed: something in the group outlived SIGTERM and the grace. */
  killed: boolean;
}

export interface ServerHandle {
  /** The group leader's pid (also the group id); null when the spawn failed. */
  pid: number | null;
  argv: string[];
  logFile: string;
  /** performance.now() just before the spawn. */
  startedMs: number;
  /** Settles when the leader has ended (never rejects). */
  exited: Promise<ServerExit>;
  running(): boolean;
  /** SIGTERM to the group, SIGKILL to whatever is left after `graceMs`; resolves when the leader has ended. */
  stop(graceMs: number): Promise<ServerStopOutcome>;
}


function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** How long stop() waits for SIGKILLed processes to disappear. */
const KILL_WAIT_MS = 5000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function startServer(o: StartServerOptions): ServerHandle {
  // The server dies with lem, even a SIGKILLed one (lib/backends/supervise.ts).
  const [command, ...args] = supervisedArgv(o.argv, o.env, o.cwd);
  if (!command) throw new InvalidOptionsError("startServer: argv is empty; give the server's launch command.");
  const logFd = openAppendNoFollow(o.logFile); // never through a link planted in the run directory
  const startedMs = performance.now();
  const options: Options = {
    detached: true, // own process group: stopped as a whole, and out of the terminal's Ctrl-C
    // A file descriptor as stdout/stderr (Node's stdio accepts it; execa's types do not list it).
    stdio: ["ignore", logFd, logFd] as unknown as Options["stdio"],
    reject: false,
    env: o.env,
    extendEnv: false,
    ...(o.cwd ? { cwd: o.cwd } : {}),
  };
  const child = execa(command, args, options);
  const pid = child.pid ?? null;
  if (pid !== null) {
    trackGroup(pid);
    o.onSpawn?.(pid);
  }

  let stopping = false;
  let ended = false;
  const exited: Promise<ServerExit> = child.then(
    (result) => {
      ended = true;
      closeSync(logFd);
      const spawnFailed = pid === null || (result.failed && result.exitCode === undefined && !result.signal);
      if (pid !== null && !stopping) {
        // The leader died on its own: its orphaned workers would hold GPU memory into the next run.
        signalGroup(pid, "SIGKILL");
        untrackGroup(pid);
      }
      return {
        exitCode: result.exitCode ?? null,
        signal: result.signal ?? null,
        spawnError: spawnFailed ? describeSpawnError(command, result.code, result.shortMessage) : null,
      };
    },
    // execa with reject: false resolves; this only guards against the unforeseen.
    (error: unknown) => {
      ended = true;
      closeSync(logFd);
      return { exitCode: null, signal: null, spawnError: error instanceof Error ? error.message : String(error) };
    },
  );

  const stop = async (graceMs: number): Promise<ServerStopOutcome> => {
    if (pid === null || ended) {
      const e = await exited;
      return { exitCode: e.exitCode, signal: e.signal, killed: false };
    }
    stopping = true;
    signalGroup(pid, "SIGTERM");
    const deadline = performance.now() + graceMs;
    // Wait for the whole group, not only the leader: workers may still be releasing the GPU.
    while (performance.now() < deadline && (!ended || groupAlive(pid))) {
      await Promise.race([exited, sleep(Math.min(50, Math.max(1, deadline - performance.now())))]);
    }
    let killed = false;
    if (!ended || groupAlive(pid)) {
      killed = true;
      signalGroup(pid, "SIGKILL");
    }
    const e = await exited;
    // A SIGKILLed process is gone only once the kernel has torn it down (its GPU memory with it).
    const killDeadline = performance.now() + KILL_WAIT_MS;
    while (killed && groupAlive(pid) && performance.now() < killDeadline) await sleep(20);
    untrackGroup(pid);
    return { exitCode: e.exitCode, signal: e.signal, killed };
  };

  return { pid, argv: o.argv, logFile: o.logFile, startedMs, exited, running: () => !ended, stop };
}

function describeSpawnError(command: string, code: string | undefined, shortMessage: string | undefined): string {
  if (code === "ENOENT") return `ENOENT: "${command}" was not found (not on PATH, or no such file)`;
  if (code === "EACCES") return `EACCES: "${command}" is not executable`;
  return code ? `${code}: ${shortMessage ?? "the server could not be started"}` : (shortMessage ?? "the server could not be started");
}
