/**
 * The order prompts are sent in:
 * - file: as they come (file order, or generation order for synthetic prompts);
 * - shuffled: a seeded shuffle (dataset.seed), the same on every platform;
 * - grouped: records with equal `groupBy` values together, groups in the order of their first
 *   appearance, records in file order within a group (e.g. requests sharing a system prompt or
 *   a document, so prefix caching sees them back to back).
 */
import { seededRandom, shuffled } from "../random/seeded-random.js";
import { DatasetError } from "./dataset-error.js";

export type DatasetOrder = "file" | "shuffled" | "grouped";

/** What ordering needs of a record: its fields (null for synthetic prompts, which have none) and its line. */
export interface OrderableRecord {
  line: number | null;
  fields: Readonly<Record<string, unknown>> | null;
}

export interface OrderOptions {
  order: DatasetOrder;
  seed: number;
  groupBy?: string | undefined;
  /** The dataset file, for errors. */
  file?: string | undefined;
}

/** The shuffle's stream is kept apart from the synthetic generator's, which uses the seed itself. */
const SHUFFLE_STREAM = 0x9e3779b9;

/** The group of a record: the value of its `groupBy` field, as text. */
export function groupKeyOf(record: OrderableRecord, groupBy: string, file?: string): string {
  const where = `${file ?? "dataset"}${record.line !== null ? `:${record.line}` : ""}`;
  if (record.fields === null) {
    throw new DatasetError(
      `dataset.order "grouped" groups the records of a JSONL file by a field, and synthetic prompts have none. Use order "file" or "shuffled", or a JSONL source.`,
    );
  }
  const value = record.fields[groupBy];
  if (value === undefined || value === null) {
    throw new DatasetError(
      `${where}: the record has no field "${groupBy}" (dataset.groupBy), so it cannot be grouped; its fields: ${Object.keys(record.fields).join(", ") || "none"}. ` +
        `Give every record that field, or set dataset.groupBy to a field they all have.`,
      { ...(file !== undefined ? { file } : {}), ...(record.line !== null ? { line: record.line } : {}) },
    );
  }
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new DatasetError(
    `${where}: the field "${groupBy}" (dataset.groupBy) must be a string, number or boolean to group by, found ${Array.isArray(value) ? "a list" : "an object"}.`,
    { ...(file !== undefined ? { file } : {}), ...(record.line !== null ? { line: record.line } : {}) },
  );
}

/** `records` in the order asked for; grouped order also gives each record its group. */
export function orderRecords<T extends OrderableRecord>(records: readonly T[], options: OrderOptions): { record: T; group?: string }[] {
  switch (options.order) {
    case "file":
      return records.map((record) => ({ record }));
    case "shuffled":
      return shuffled(records, seededRandom((options.seed ^ SHUFFLE_STREAM) >>> 0)).map((record) => ({ record }));
    case "grouped": {
      if (!options.groupBy) throw new DatasetError('dataset.order "grouped" needs dataset.groupBy: the field to group records by.');
      const groups = new Map<string, T[]>();
      for (const record of records) {
        const key = groupKeyOf(record, options.groupBy, options.file);
        const members = groups.get(key);
        if (members) members.push(record);
        else groups.set(key, [record]);
      }
      return [...groups].flatMap(([group, members]) => members.map((record) => ({ record, group })));
    }
  }
}
