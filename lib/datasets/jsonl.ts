/**
 * Prompts from a JSONL file: one JSON object per line.
 *
 * The prompt of a record is, in this order:
 * 1. the field `dataset.field`, when given (a string, or a conversation as below);
 * 2. otherwise the first of `prompt`, `text`, `instruction`, `input`, `question` that is
 *    present (not null) in the record; it must be a string;
 * 3. otherwise a conversation in `messages` or `conversations`: a list of messages
 *    `{role, content}` (OpenAI) or `{from, value}` (ShareGPT); the prompt is the content of
 *    the last message whose role is "user" or "human". Content is a string or a list of parts,
 *    whose text parts (`"..."` or `{type: "text", text: "..."}`) are joined with newlines.
 *
 * Lines skipped, and only these: blank lines; lines whose first non-blank characters are `#`
 * or `//`; and a header, which is the first remaining line when it is either a JSON list of
 * strings (column names) or a JSON object with no prompt (as above) and at least one of the
 * keys columns, fields, header, schema, features, meta, metadata.
 * Anything else that yields no prompt is a DatasetError naming the file and line.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { DatasetError } from "./dataset-error.js";

/** Fields tried, in order, when `dataset.field` is not given. */
export const DEFAULT_PROMPT_FIELDS = ["prompt", "text", "instruction", "input", "question"] as const;
/** Fields holding a conversation, tried after DEFAULT_PROMPT_FIELDS. */
export const CONVERSATION_FIELDS = ["messages", "conversations"] as const;
/** Keys that mark a first line without a prompt as a header. */
export const HEADER_KEYS = ["columns", "fields", "header", "schema", "features", "meta", "metadata"] as const;

const USER_ROLES = new Set(["user", "human"]);

export interface JsonlRecord {
  /** 1-based line number in the file. */
  line: number;
  text: string;
  /** The whole record (for `groupBy`). */
  fields: Readonly<Record<string, unknown>>;
}

export interface JsonlOptions {
  /** `dataset.field`: the field that holds the prompt. */
  field?: string | undefined;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (isObject(value)) return "an object";
  if (typeof value === "string") return `${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)} (a string)`;
  return `${String(value)} (a ${typeof value})`;
}

function fieldList(record: Json): string {
  const keys = Object.keys(record);
  return keys.length ? keys.join(", ") : "none";
}

/** The text of a message's content: a string, or the text parts of a list joined with newlines. */
function contentText(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === "string") parts.push(part);
    else if (isObject(part) && part.type === "text" && typeof part.text === "string") parts.push(part.text);
  }
  return parts.length ? parts.join("\n") : undefined;
}

/** The last user message of a conversation, or why there is none. */
function lastUserMessage(messages: unknown[]): { text: string } | { problem: string } {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isObject(m)) continue;
    const role = m.role ?? m.from;
    if (typeof role !== "string" || !USER_ROLES.has(role.toLowerCase())) continue;
    const text = contentText(m.content ?? m.value);
    if (text === undefined) return { problem: `its last user message (item ${i}) has no text content (found ${describe(m.content ?? m.value)})` };
    return { text };
  }
  return { problem: 'it has no user message (a message whose role or "from" is "user" or "human")' };
}

/** The prompt of a record and the field it came from, or undefined when the record has none of the prompt fields. */
function promptOf(record: Json, options: JsonlOptions, where: string): { text: string; field: string } | undefined {
  const fromField = (field: string, value: unknown, conversationAllowed: boolean): { text: string; field: string } => {
    if (typeof value === "string") return { text: value, field };
    if (conversationAllowed && Array.isArray(value)) {
      const m = lastUserMessage(value);
      if ("text" in m) return { text: m.text, field };
      throw new DatasetError(`${where}: the conversation in "${field}" yields no prompt: ${m.problem}. Fix the record, or set dataset.field to the field that holds the prompt.`);
    }
    const expected = conversationAllowed ? "a string or a list of messages" : "a string";
    throw new DatasetError(
      `${where}: the prompt field "${field}" must be ${expected}, found ${describe(value)}. ` +
        `Fix the record, or set dataset.field to the field that holds the prompt.`,
    );
  };
  if (options.field !== undefined) {
    const value = record[options.field];
    if (value === undefined || value === null) {
      throw new DatasetError(
        `${where}: the record has no field "${options.field}" (dataset.field); its fields: ${fieldList(record)}. ` +
          `Fix the record, or set dataset.field to the field that holds the prompt.`,
      );
    }
    return fromField(options.field, value, true);
  }
  for (const field of DEFAULT_PROMPT_FIELDS) {
    const value = record[field];
    if (value !== undefined && value !== null) return fromField(field, value, false);
  }
  for (const field of CONVERSATION_FIELDS) {
    const value = record[field];
    if (value !== undefined && value !== null) return fromField(field, value, true);
  }
  return undefined;
}

/** Is this first record line a header (see the file comment)? */
function isHeader(value: unknown, options: JsonlOptions, where: string): boolean {
  if (Array.isArray(value)) return value.length > 0 && value.every((v) => typeof v === "string");
  if (!isObject(value) || !HEADER_KEYS.some((k) => k in value)) return false;
  try {
    return promptOf(value, options, where) === undefined;
  } catch {
    return false; // it has a prompt field, however malformed: a record, reported as such below
  }
}

function isSkipped(trimmed: string): boolean {
  return trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("//");
}

/** Parses the text of a JSONL file; `file` names it in errors. */
export function parseJsonlPrompts(content: string, file: string, options: JsonlOptions = {}): JsonlRecord[] {
  const lines = content.replace(/^\uFEFF/, "").split(/\r?\n/);
  const records: JsonlRecord[] = [];
  let firstRecordLine = true;
  const promptFields = options.field !== undefined ? `"${options.field}" (dataset.field)` : [...DEFAULT_PROMPT_FIELDS, ...CONVERSATION_FIELDS].join(", ");
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    const where = `${file}:${line}`;
    const trimmed = raw.trim();
    if (isSkipped(trimmed)) continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      const why = error instanceof Error ? error.message.replace(/ in JSON at position \d+.*$/, "") : String(error);
      const shown = trimmed.length > 60 ? `${trimmed.slice(0, 57)}...` : trimmed;
      const arrayHint = firstRecordLine && trimmed.startsWith("[") ? " This looks like a JSON array: lem reads JSONL, one JSON object per line." : "";
      throw new DatasetError(
        `${where}: not valid JSON (${why}), found ${JSON.stringify(shown)}. Each line must be one JSON object; ` +
          `fix the line or remove it (blank lines and lines starting with # or // are skipped).${arrayHint}`,
        { file, line },
        { cause: error },
      );
    }
    const header = firstRecordLine && isHeader(value, options, where);
    firstRecordLine = false;
    if (header) continue;
    if (!isObject(value)) {
      throw new DatasetError(`${where}: expected a JSON object, found ${describe(value)}. Each line must be one JSON object holding a prompt.`, { file, line });
    }
    let prompt: { text: string; field: string } | undefined;
    try {
      prompt = promptOf(value, options, where);
    } catch (error) {
      if (error instanceof DatasetError) throw new DatasetError(error.message, { file, line });
      throw error;
    }
    if (!prompt) {
      throw new DatasetError(
        `${where}: the record has no prompt: none of the fields ${promptFields} is present; its fields: ${fieldList(value)}. ` +
          `Set dataset.field to the field that holds the prompt, or fix the record.`,
        { file, line },
      );
    }
    if (prompt.text.trim() === "") {
      throw new DatasetError(`${where}: the prompt (field "${prompt.field}") is empty. Remove the record or give it a prompt.`, { file, line });
    }
    records.push({ line, text: prompt.text, fields: value });
  }
  return records;
}

/** Reads and parses a JSONL file, with the SHA-256 of its bytes (so results record exactly which data was used). */
export function readJsonlPrompts(path: string, options: JsonlOptions = {}): { records: JsonlRecord[]; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = error && typeof error === "object" && "code" in error ? String(error.code) : "";
    const why = code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "is not readable" : `cannot be read (${code || String(error)})`;
    throw new DatasetError(
      `dataset.source: the file ${path} ${why}. Give the path of a JSONL file (relative to the study file), or "synthetic".`,
      { file: path },
      { cause: error },
    );
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { records: parseJsonlPrompts(bytes.toString("utf8"), path, options), sha256 };
}
