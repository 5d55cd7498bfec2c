/** What to say when a study directory's manifest.json cannot be read or is not a manifest. */
import { existsSync, statSync } from "node:fs";
import type { z } from "zod";
import { problemsFromIssues } from "../config/config-error.js";

function errnoCode(error: unknown): string | undefined {
  return error && typeof error === "object" && "code" in error ? String((error as { code: unknown }).code) : undefined;
}

/** Why `file` (DIR/manifest.json) could not be read, and what to give instead. */
export function unreadableManifest(dir: string, file: string, error: unknown): string {
  const code = errnoCode(error);
  const give = 'Give the directory "lem run" wrote.';
  if (!existsSync(dir)) return `${dir} does not exist. ${give}`;
  if (!statSync(dir).isDirectory()) return `${dir} is not a directory but a file: it is not a lem study directory. ${give}`;
  if (code === "EISDIR") return `${file} is a directory, not the manifest file: the study directory ${dir} is damaged. Restore manifest.json from a backup, or start the study anew.`;
  if (code === "EACCES") return `${file} is not readable (permission denied). Fix its permissions.`;
  if (code === "ENOENT") return `${dir} is not a lem study directory: ${file} does not exist. ${give}`;
  return `${file} cannot be read (${code ?? String(error)}).`;
}

/** The first problem of a manifest that failed its schema, with the field's path. */
export function manifestProblem(error: z.ZodError, schema: z.ZodType): string {
  const p = problemsFromIssues(error.issues, schema)[0];
  return p ? (p.path ? `${p.path}: ${p.detail}` : p.detail) : "invalid";
}
