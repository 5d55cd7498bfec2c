/**
 * A backend child for a study run: its own process group (stopped as a group), its output
 * written straight to a log file by the child itself (lem never holds it, however much), file descriptor 3 read as the child protocol,
 * a time limit and a watchdog for a child that goes silent. Spawns; never samples.
 */
import { spawnSync } from "node:child_process";
import { closeSync, fstatSync, openSync, readFileSync, statSync } from "node:fs";
import { type ChildEvent, endedChild, type EndedChild, ProtocolReader } from "./protocol.js";
import { spawnProtocolChild } from "./protocol-stream.js";
import { supervisedArgv } from "./supervise.js";
import { openAppendNoFollow } from "../fs/inside-dir.js";

export interface ChildRunOptions {
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** The child's stdout and stderr, appended. */
  logFile: string;
  runTimeoutMs: number;
  silenceTimeoutMs: number;
  /** Grace between SIGTERM and SIGKILL of the group. */
  killGraceMs?: number;
  onEvent?: (event: ChildEvent) => void;
  onSpawn?: (pid: number) => void;
  /** Aborting stops the child's group (Ctrl-C, study limits). */
  signal?: AbortSignal;
  /** A file the child writes its protocol lines to instead of fd 3: its growth is activity too. */
  protocolFile?: string;
}

export interface ChildOutcome extends EndedChild {
  /** Why lem stopped the child, if it did. */
  stopReason: "timeout" | "silence" | "aborted" | null;
  spawnError: string | null;
}

/** Process groups of children running now, so that an exiting lem can take them along. */
const activeGroups = new Set<number>();

/** Containers lem started (name -> docker executable): killing `docker run`'s client does not stop them. */
const activeContainers = new Map<string, string>();

/** Kills every running child's process group at once, and every container lem started (for process exit paths). */
export function killActiveChildrenSync(): void {
  for (const pid of activeGroups) killGroup(pid, "SIGKILL");
  activeGroups.clear();
  for (const [name, docker] of activeContainers) {
    spawnSync(docker, ["kill", name], { stdio: "ignore", timeout: 10_000 });
  }
  activeContainers.clear();
}

/** Adds a container (by name) to those killed on lem's exit. */
export function trackContainer(docker: string, name: string): void {
  activeContainers.set(name, docker);
}

/** Removes a container from those killed on lem's exit (lem has removed it itself). */
export function untrackContainer(name: string): void {
  activeContainers.delete(name);
}

/** Adds a process group lem started elsewhere (a server) to those killed on lem's exit. */
export function trackGroup(pid: number): void {
  activeGroups.add(pid);
}

/** Removes a group from those killed on lem's exit (it has ended, or was stopped). */
export function untrackGroup(pid: number): void {
  activeGroups.delete(pid);
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** /proc start time of a process, to recognise it again after its pid could be reused. */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

export async function runChild(o: ChildRunOptions): Promise<ChildOutcome> {
  // The child dies with lem, even a SIGKILLed one (lib/backends/supervise.ts).
  const [command, ...args] = supervisedArgv(o.argv, o.env ?? process.env, o.cwd);
  const logFd = openAppendNoFollow(o.logFile); // never through a link planted in the run directory
  const reader = new ProtocolReader();
  const startedNs = process.hrtime.bigint();
  let lastActivity = Date.now();
  // fd 3 is read as it comes (bounded memory), and the wait ends at the child's exit.
  const spawned = spawnProtocolChild({
    command: command!,
    args,
    stdio: ["ignore", logFd, logFd],
    env: o.env ?? process.env,
    ...(o.cwd ? { cwd: o.cwd } : {}),
    detached: true, // own process group: stopped as a whole, and out of the terminal's Ctrl-C
    reader,
    onData: () => (lastActivity = Date.now()),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
  });
  let stopReason: ChildOutcome["stopReason"] = null;
  const pid = spawned.pid;
  const stop = (reason: NonNullable<ChildOutcome["stopReason"]>) => {
    if (stopReason || pid === undefined) return;
    stopReason = reason;
    killGroup(pid, "SIGTERM");
    setTimeout(() => killGroup(pid, "SIGKILL"), o.killGraceMs ?? 5000).unref();
  };
  if (pid !== undefined) {
    activeGroups.add(pid);
    o.onSpawn?.(pid);
  }
  // Output activity is seen as the log growing.
  let logBytes = fstatSync(logFd).size;
  const deadline = Date.now() + o.runTimeoutMs;
  const protocolFile = o.protocolFile;
  let protocolBytes = 0;
  const watchdog = setInterval(() => {
    const size = fstatSync(logFd).size;
    if (size !== logBytes) {
      logBytes = size;
      lastActivity = Date.now();
    }
    const protocolSize = protocolFile ? (statSync(protocolFile, { throwIfNoEntry: false })?.size ?? 0) : 0;
    if (protocolSize !== protocolBytes) {
      protocolBytes = protocolSize;
      lastActivity = Date.now();
    }
    if (Date.now() > deadline) stop("timeout");
    else if (Date.now() - lastActivity > o.silenceTimeoutMs) stop("silence");
  }, Math.min(1000, Math.max(50, o.silenceTimeoutMs / 4)));
  const onAbort = () => stop("aborted");
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener("abort", onAbort);
  try {
    const exit = await spawned.exited;
    const endedNs = process.hrtime.bigint();
    const spawnError = exit.spawnError ? `${exit.spawnError.code ? `${exit.spawnError.code}: ` : ""}${exit.spawnError.message}` : null;
    return { ...endedChild({ startedNs, endedNs }, exit, reader), stopReason, spawnError };
  } finally {
    clearInterval(watchdog);
    o.signal?.removeEventListener("abort", onAbort);
    // Whatever the child left running in its group goes with it.
    if (pid !== undefined) {
      killGroup(pid, "SIGKILL");
      activeGroups.delete(pid);
    }
    closeSync(logFd);
  }
}
