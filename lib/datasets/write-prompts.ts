/**
 * The prompts file child harnesses read: one `{"id": ..., "prompt": ...}` per line, in the
 * order they are to be sent, written atomically.
 */
import { writeFileAtomic } from "../fs/atomic-write.js";
import type { Prompt } from "./prompt.js";

/**
 * JSON.stringify leaves U+0085, U+2028 and U+2029 raw, and Python's str.splitlines() (and
 * other readers) end lines at them: escaped, every prompt stays on its own line.
 */
const LINE_BREAKS_JSON_KEEPS = /[\u0085\u2028\u2029]/g;

function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(LINE_BREAKS_JSON_KEEPS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The JSONL text of `prompts` (exported for callers that stream it elsewhere). */
export function promptsJsonl(prompts: readonly Prompt[]): string {
  return prompts.map((p) => `${jsonLine({ id: p.id, prompt: p.text })}\n`).join("");
}

export function writePromptsJsonl(path: string, prompts: readonly Prompt[]): void {
  writeFileAtomic(path, promptsJsonl(prompts));
}
