/**
 * Advisory per-GPU locks, so that two lem studies never measure on the same GPU at once
 * (each would count the other's energy). One JSON file per GPU UUID in $LEM_LOCK_DIR or
 * <tmpdir>/lem-locks, created with O_EXCL so that exactly one process wins. A lock whose
 * holder is no longer alive on this host, and whose recorded child (the process group of the
 * engine measuring on the GPU) is gone too, is stale: reported as not held and taken over.
 */
import { link, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { LemError } from "../errors.js";
import { groupAlive, pidAlive } from "../process/alive.js";

export { pidAlive };

export interface GpuLockHolder {
  study: string;
  pid: number;
  /** ISO 8601 time the lock was taken. */
  since: string;
  host: string;
  /** The process group of the child running on the GPU now, if any: it holds the GPU even after lem died. */
  childPgid?: number;
}

export interface GpuLockOwner {
  study: string;
  /** Default: this process. */
  pid?: number;
}

/** A GPU is locked by another live lem study. */
export class GpuBusyError extends LemError {
  readonly uuid: string;
  readonly holder: GpuLockHolder;
  readonly lockFile: string;
  constructor(uuid: string, holder: GpuLockHolder, lockFile: string) {
    super(
      "LEM_GPU_BUSY",
      `GPU ${uuid} is in use by lem study "${holder.study}" (pid ${holder.pid} on ${holder.host}, since ${holder.since}). ` +
        `Wait for that study to finish, or choose other GPUs with CUDA_VISIBLE_DEVICES; ` +
        `if that process is really gone, delete ${lockFile}.`,
    );
    this.uuid = uuid;
    this.holder = holder;
    this.lockFile = lockFile;
  }
}

/** The directory of lock files: $LEM_LOCK_DIR, else <tmpdir>/lem-locks. */
export function gpuLockDir(): string {
  return process.env.LEM_LOCK_DIR || join(tmpdir(), "lem-locks");
}

/** The lock file of a GPU (UUIDs are safe file names; anything odd is replaced anyway). */
export function gpuLockFile(uuid: string): string {
  return join(gpuLockDir(), `${uuid.replace(/[^A-Za-z0-9._-]/g, "_")}.lock`);
}

/** Whether `pid` is a live process on this host (EPERM: alive, owned by someone else). */

function parseHolder(text: string): GpuLockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<GpuLockHolder>;
    if (typeof v.study === "string" && typeof v.pid === "number" && typeof v.since === "string" && typeof v.host === "string") {
      return { study: v.study, pid: v.pid, since: v.since, host: v.host, ...(typeof v.childPgid === "number" ? { childPgid: v.childPgid } : {}) };
    }
  } catch {
    /* unreadable: treated below */
  }
  return undefined;
}

/** A lock on another host cannot be checked, so it counts as held. */
function isStale(holder: GpuLockHolder): boolean {
  return holder.host === hostname() && !pidAlive(holder.pid) && (holder.childPgid === undefined || !groupAlive(holder.childPgid));
}

type LockState = { kind: "free" } | { kind: "held"; holder: GpuLockHolder } | { kind: "stale"; text: string };

async function readLock(file: string): Promise<LockState> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "free" };
    throw error;
  }
  const holder = parseHolder(text);
  // Locks appear whole (see tryCreate): unparsable content was damaged outside lem.
  if (!holder || isStale(holder)) return { kind: "stale", text };
  return { kind: "held", holder };
}

/** Who holds the lock of GPU `uuid`, or undefined when nobody live does. */
export async function gpuLockHolder(uuid: string): Promise<GpuLockHolder | undefined> {
  const state = await readLock(gpuLockFile(uuid));
  return state.kind === "held" ? state.holder : undefined;
}

/** Locks held by this process; release() is idempotent and removes only files still ours. */
export class GpuLockSet {
  readonly uuids: readonly string[];
  readonly holder: GpuLockHolder;
  private released = false;

  constructor(uuids: string[], holder: GpuLockHolder) {
    this.uuids = uuids;
    this.holder = holder;
  }

  get held(): boolean {
    return !this.released;
  }

  /**
   * Records the process group of the child now running on these GPUs (null: none), so that a
   * lock left by a killed lem stays held while that child lives. Each lock is rewritten whole
   * (temporary file, rename), and only where it is still ours.
   */
  recordChild(pgid: number | null): void {
    if (this.released) return;
    for (const uuid of this.uuids) {
      const file = gpuLockFile(uuid);
      try {
        if (!sameHolder(parseHolder(readFileSync(file, "utf8")), this.holder)) continue;
        const { childPgid: _old, ...holder } = this.holder;
        const tmp = `${file}.${process.pid}.child.tmp`;
        writeFileSync(tmp, `${JSON.stringify({ ...holder, ...(pgid !== null ? { childPgid: pgid } : {}), uuid })}\n`);
        renameSync(tmp, file);
      } catch {
        /* the lock is gone: nothing to record it in */
      }
    }
  }

  async release(): Promise<void> {
    this.releaseSync();
  }

  /** Synchronous, for process "exit" handlers. */
  releaseSync(): void {
    if (this.released) return;
    this.released = true;
    for (const uuid of this.uuids) releaseIfOurs(gpuLockFile(uuid), this.holder);
  }
}

function sameHolder(a: GpuLockHolder | undefined, b: GpuLockHolder): boolean {
  return a !== undefined && a.pid === b.pid && a.study === b.study && a.since === b.since && a.host === b.host;
}

function releaseIfOurs(file: string, holder: GpuLockHolder): void {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return; // already gone
  }
  // Someone may have taken over a lock we lost; never delete theirs.
  if (!sameHolder(parseHolder(text), holder)) return;
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}

/**
 * Creates the lock file with its content in one step: written to a private file, then
 * hard-linked to the lock's name (link fails if the name exists), so no reader ever sees a
 * lock without its holder. False when the lock already exists.
 */
async function tryCreate(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const handle = await open(tmp, "wx");
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Takes a stale lock out of the way atomically: renamed to a private name first, then checked
 * again there; a lock that turned out live (replaced in between) is put back.
 */
async function removeStale(file: string): Promise<void> {
  const aside = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.stale`;
  try {
    await rename(file, aside);
  } catch {
    return; // someone else moved it first
  }
  const text = await readFile(aside, "utf8").catch(() => "");
  const holder = parseHolder(text);
  if (holder && !isStale(holder)) await link(aside, file).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

async function lockOne(uuid: string, holder: GpuLockHolder): Promise<void> {
  const file = gpuLockFile(uuid);
  const content = `${JSON.stringify({ ...holder, uuid })}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await tryCreate(file, content)) return;
    const state = await readLock(file);
    if (state.kind === "held") {
      if (sameHolder(state.holder, holder)) return;
      throw new GpuBusyError(uuid, state.holder, file);
    }
    if (state.kind === "stale") await removeStale(file);
  }
  throw new LemError(
    "LEM_GPU_LOCK",
    `could not take the lock of GPU ${uuid} at ${file}: it kept changing while being taken. Another lem process is starting on this GPU; try again.`,
  );
}

/**
 * Locks every GPU in `uuids` for `owner`, all or nothing. Throws GpuBusyError naming the GPU,
 * its holder's study, pid and since when, after releasing the locks already taken.
 */
export async function acquireGpuLocks(uuids: string[], owner: GpuLockOwner): Promise<GpuLockSet> {
  const unique = [...new Set(uuids)];
  const holder: GpuLockHolder = {
    study: owner.study,
    pid: owner.pid ?? process.pid,
    since: new Date().toISOString(),
    host: hostname(),
  };
  const dir = gpuLockDir();
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new LemError(
      "LEM_GPU_LOCK",
      `cannot create the GPU lock directory ${dir}: ${(error as Error).message}. Set LEM_LOCK_DIR to a writable directory shared by every lem study on this machine.`,
    );
  }
  const done: string[] = [];
  try {
    for (const uuid of unique) {
      await lockOne(uuid, holder);
      done.push(uuid);
    }
  } catch (error) {
    new GpuLockSet(done, holder).releaseSync();
    throw error;
  }
  return new GpuLockSet(done, holder);
}
