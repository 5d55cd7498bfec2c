/**
 * A dataset cannot be used: a missing or unreadable file, a malformed line, a record without
 * a prompt, fewer prompts than asked. The message names the file and line, what was found
 * and what to do.
 */
import { LemError } from "../errors.js";

export class DatasetError extends LemError {
  /** The dataset file, when the problem is in one. */
  readonly file: string | undefined;
  /** 1-based line number of the offending record, when there is one. */
  readonly line: number | undefined;

  constructor(message: string, where: { file?: string; line?: number } = {}, options?: { cause?: unknown }) {
    super("LEM_DATASET", message, options);
    this.file = where.file;
    this.line = where.line;
  }
}
