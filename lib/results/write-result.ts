/** Writing and reading `result.json`: validated against the schema, written atomically. */
import { mkdirSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { InvalidOptionsError } from "../errors.js";
import { runPaths } from "../study-format/layout.js";
import { type RunResult, type RunResultInput, RunResultSchema } from "./result-schema.js";

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n";
}

/**
 * Validates `result` and writes `<dir>/result.json` atomically (creating `dir`). Returns the
 * result as stored. Throws InvalidOptionsError, naming the fields, when it does not validate.
 */
export function writeRunResult(dir: string, result: RunResultInput): RunResult {
  const parsed = RunResultSchema.safeParse(result);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new InvalidOptionsError(`the run result does not match result schema ${RunResultSchema.shape.schemaVersion.value}: ${detail}`);
  }
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(runPaths(dir).resultJson, toJson(parsed.data));
  return parsed.data;
}

/** Reads and validates a `result.json` (the file, or the run directory holding it). */
export function readRunResult(path: string): RunResult {
  const file = path.endsWith(".json") ? path : runPaths(path).resultJson;
  return RunResultSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}
