/** One prompt of a workload, as every backend receives it. */
export interface Prompt {
  /** Stable id: the JSONL line number ("line-12") or the synthetic index ("synthetic-3"). */
  id: string;
  text: string;
  /** Approximate token count (lib/datasets/approx-tokens.ts); engines count exactly. */
  approxInputTokens: number;
  /** Value of `groupBy` for grouped order. */
  group?: string;
}
