/**
 * Stable identity of a configuration: canonical JSON (keys sorted, no whitespace), SHA-256,
 * first 16 hex characters. The hash is of the fully resolved experiment (defaults applied)
 * without its display `name`, so `{}` and the same defaults written out hash the same.
 */
import { createHash } from "node:crypto";
import { ExperimentSchema, type ExperimentConfig } from "./schema.js";

/** JSON with object keys sorted recursively and no whitespace; `undefined` members are dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value, new Set()));
}

function canonicalize(value: unknown, seen: Set<object>): unknown {
  if (value === null || typeof value !== "object") {
    if (typeof value === "bigint") throw new TypeError("canonicalJson: bigint values have no JSON form");
    if (typeof value === "number" && Object.is(value, -0)) return 0;
    return value;
  }
  if (seen.has(value)) throw new TypeError("canonicalJson: circular structure");
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonicalize(v, seen)));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
      out[key] = canonicalize(v, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** SHA-256 of the text, first 16 hex characters. */
export function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/**
 * The stable hash of an experiment: defaults are applied (the config is parsed again, which a
 * resolved config survives unchanged) and `name` is left out.
 */
export function configHash(config: ExperimentConfig): string {
  const resolved = ExperimentSchema.parse(config);
  const { name: _name, ...identity } = resolved;
  return shortHash(canonicalJson(identity));
}
