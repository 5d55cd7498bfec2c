// Shared by the validation kit's orchestrator and steps: paths, atomic JSON, child processes.
import { spawn } from "node:child_process";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const kitDir = fileURLToPath(new URL("..", import.meta.url));
export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
export const lemMain = join(repoRoot, "dist", "cli", "main.js");
export const pyDir = join(kitDir, "py");

const replacer = (_k, v) => (typeof v === "bigint" ? v.toString() : v);

/** Writes JSON atomically (temporary file, fsync, rename): a reader never sees half a file. */
export function writeJson(file, value) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, JSON.stringify(value, replacer, 2) + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Runs a program (argument array, no shell) and collects its output. Never rejects: a
 * program that cannot start, fails or runs past `timeoutMs` (SIGTERM, then SIGKILL 3 s later) says so.
 */
export function run(command, args, { env = process.env, timeoutMs = 60_000, cwd = repoRoot, onStdoutLine } = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let child;
    try {
      child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      resolve({ code: null, signal: null, stdout, stderr, timedOut, startError: error.message, durationS: 0 });
      return;
    }
    let pending = "";
    child.stdout.on("data", (b) => {
      const s = b.toString();
      if (stdout.length < 50_000_000) stdout += s;
      if (onStdoutLine) {
        pending += s;
        let i;
        while ((i = pending.indexOf("\n")) >= 0) {
          onStdoutLine(pending.slice(0, i), child);
          pending = pending.slice(i + 1);
        }
      }
    });
    child.stderr.on("data", (b) => {
      if (stderr.length < 5_000_000) stderr += b.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 3000).unref();
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr, timedOut, startError: error.message, durationS: (performance.now() - t0) / 1e3 });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, durationS: (performance.now() - t0) / 1e3 });
    });
  });
}

/** Runs `lem` (this checkout's dist/cli/main.js) with the same Node. */
export const runLem = (args, options) => run(process.execPath, [lemMain, ...args], options);

/** The last line of `text` that parses as a JSON object, or undefined. */
export function lastJsonLine(text) {
  const lines = text.trim().split("\n").reverse();
  for (const line of lines) {
    try {
      const v = JSON.parse(line);
      if (v && typeof v === "object") return v;
    } catch {
      /* not JSON */
    }
  }
  return undefined;
}

export const tail = (text, n = 2000) => (text.length > n ? `...${text.slice(-n)}` : text);

/** Percentile of a sorted array (nearest rank). */
export const quantile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);

/**
 * A step's record: written at once, rewritten whenever a part is done, so what was measured
 * survives a later failure or the step being killed at its time limit.
 */
export class StepRecord {
  constructor(args) {
    this.file = args.file;
    this.data = { step: args.step, name: args.name, status: "running", startedAt: new Date().toISOString(), simulatedLibrary: args.simulatedLibrary };
    this.t0 = performance.now();
    this.save();
  }
  set(key, value) {
    this.data[key] = value;
    this.save();
  }
  save() {
    writeJson(this.file, { ...this.data, durationS: (performance.now() - this.t0) / 1e3 });
  }
  finish(status, reason) {
    this.data.status = status;
    if (reason) this.data.reason = reason;
    this.save();
  }
}

/** The step's arguments: one JSON object in argv[2] (written by validate.mjs). */
export function stepArgs() {
  return JSON.parse(process.argv[2]);
}

/** Environment for every lem and Python process of the kit: caches and locks inside the output directory. */
export function kitEnv(args, extra = {}) {
  return {
    ...process.env,
    LEM_CACHE_DIR: join(args.work, "lem-cache"),
    LEM_LOCK_DIR: join(args.work, "lem-locks"),
    HF_HOME: join(args.work, "hf-home"),
    HF_HUB_OFFLINE: "1",
    TRANSFORMERS_OFFLINE: "1",
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
    ...extra,
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
