/**
 * The prompts file child harnesses read: one `{"id": ..., "prompt": ...}` per line, in the
 * order they are to be sent, written atomically.
 */
import { writeFileAtomic } from "../fs/atomic-write.js";
import type { Prompt } from "./prompt.js";

/** The JSONL text of `prompts` (exported for callers that stream it elsewhere). */
export function promptsJsonl(prompts: readonly Prompt[]): string {
  return prompts.map((p) => `${JSON.stringify({ id: p.id, prompt: p.text })}\n`).join("");
}

export function writePromptsJsonl(path: string, prompts: readonly Prompt[]): void {
  writeFileAtomic(path, promptsJsonl(prompts));
}
