/**
 * One lem at a time per study directory: `study.lock` in it names the lem that runs the study
 * (pid, its start time, host). Taken before anything in the study is changed: a second
 * `lem run --resume` of a running study must neither stop that study's child nor write its
 * manifest. A lock whose process is gone (or whose pid now belongs to another process) is stale.
 */
import { linkSync, lstatSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { processStartTicks } from "../backends/child-process.js";
import { LemError } from "../errors.js";

export const STUDY_LOCK_FILE = "study.lock";

interface StudyLockHolder {
  pid: number;
  /** /proc start time of `pid`: a reused pid is not the holder. */
  startTicks: string | null;
  host: string;
  since: string;
}

/** Another live lem runs the study in this directory now. */
export class StudyBusyError extends LemError {
  constructor(dir: string, holder: StudyLockHolder, file: string) {
    super(
      "LEM_STUDY_BUSY",
      `the study in ${dir} is being run by another lem now (pid ${holder.pid} on ${holder.host}, since ${holder.since}); ` +
        `nothing was changed. Wait for it to finish (or stop it with Ctrl-C, or kill ${holder.pid}), then resume; ` +
        `if that process is really gone, delete ${file}.`,
    );
  }
}

function parse(text: string): StudyLockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<StudyLockHolder>;
    if (typeof v.pid === "number" && typeof v.host === "string" && typeof v.since === "string") {
      return { pid: v.pid, startTicks: typeof v.startTicks === "string" ? v.startTicks : null, host: v.host, since: v.since };
    }
  } catch {
    /* damaged: stale */
  }
  return undefined;
}

/** A lock on another host cannot be checked, so it counts as held. */
function isLive(h: StudyLockHolder): boolean {
  if (h.host !== hostname()) return true;
  const ticks = processStartTicks(h.pid);
  return ticks !== null && (h.startTicks === null || ticks === h.startTicks);
}

export interface StudyLock {
  readonly file: string;
  /** Removes the lock if it is still this process's (idempotent, synchronous: usable on exit). */
  release(): void;
}

/** Takes the study's lock or throws StudyBusyError; a stale lock is taken over. */
export function acquireStudyLock(dir: string): StudyLock {
  const file = join(dir, STUDY_LOCK_FILE);
  const me: StudyLockHolder = { pid: process.pid, startTicks: processStartTicks(process.pid), host: hostname(), since: new Date().toISOString() };
  const content = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    // Written whole under a private name, then linked: no reader sees a lock without its holder.
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, content, { flag: "wx" });
    try {
      linkSync(tmp, file);
      return lockOf(file, content);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      unlinkSync(tmp);
    }
    let text = "";
    try {
      // A symlink is never followed: it is no lock lem wrote.
      text = lstatSync(file).isFile() ? readFileSync(file, "utf8") : "";
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    const holder = parse(text);
    if (holder && isLive(holder)) throw new StudyBusyError(dir, holder, file);
    // Stale (its lem was killed): moved aside first and checked again there, so that a lock
    // another lem took meanwhile is put back, never deleted.
    const aside = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.stale`;
    try {
      renameSync(file, aside);
    } catch {
      continue; // another lem moved it first
    }
    const again = parse(readFileSync(aside, "utf8"));
    if (again && isLive(again)) {
      try {
        linkSync(aside, file);
      } catch {
        /* a third lem holds it now */
      }
    }
    unlinkSync(aside);
  }
  throw new LemError("LEM_STUDY_LOCK", `could not take the lock ${file}: it kept changing. Another lem is starting on this study; try again.`);
}

function lockOf(file: string, content: string): StudyLock {
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      try {
        if (readFileSync(file, "utf8") === content) unlinkSync(file);
      } catch {
        /* already gone */
      }
    },
  };
}
