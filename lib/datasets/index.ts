/** Prompts for every backend: synthetic or from JSONL, ordered, truncated, written for children. */
export type { Prompt } from "./prompt.js";
export { approxTokenCount, truncateToApproxTokens } from "./approx-tokens.js";
export { DatasetError } from "./dataset-error.js";
export { drawLengthTokens, syntheticPrompts, syntheticText, type SyntheticLength } from "./synthetic.js";
export {
  CONVERSATION_FIELDS,
  DEFAULT_PROMPT_FIELDS,
  HEADER_KEYS,
  parseJsonlPrompts,
  readJsonlPrompts,
  type JsonlOptions,
  type JsonlRecord,
} from "./jsonl.js";
export { groupKeyOf, orderRecords, type DatasetOrder, type OrderableRecord, type OrderOptions } from "./order.js";
export {
  loadDataset,
  SYNTHETIC_SOURCE,
  type DatasetConfig,
  type DatasetRequest,
  type DatasetSource,
  type LoadedDataset,
} from "./load-dataset.js";
export { promptsJsonl, writePromptsJsonl } from "./write-prompts.js";
