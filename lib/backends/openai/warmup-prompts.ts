/**
 * Prompts for the warm-up and the readiness probe that share no prefix with any measured
 * prompt, so that nothing they leave in a prefix or prompt cache (vLLM, SGLang, llama-server)
 * serves a measured request: each is a measured prompt, as long as it, behind a marker that no
 * measured prompt starts with. Prefix caches match from the first token, so a different start
 * shares nothing (a chat template's own opening aside, which every request has).
 */
import type { Prompt } from "../../datasets/prompt.js";

const MARKER = "[lem warm-up";

export function warmupPrompts(measured: Prompt[], count: number): Prompt[] {
  if (measured.length === 0) return [];
  // A dataset whose prompts start with the marker itself gets a longer one.
  let marker = MARKER;
  while (measured.some((p) => p.text.startsWith(marker))) marker = `${marker}!`;
  return Array.from({ length: count }, (_, i) => {
    const p = measured[i % measured.length]!;
    return { ...p, id: `warmup-${i}`, text: `${marker} ${i}] ${p.text}` };
  });
}
