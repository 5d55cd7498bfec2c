/**
 * The engine build a server names in its responses' system_fingerprint (llama-server sends
 * e.g. "b6100-d1e2f3a4"; OpenAI's own API a configuration id): the version of last resort
 * when the engine's endpoints give none. The most frequent one wins; several are joined.
 */
import type { RequestRecord } from "../request-record.js";

export function fingerprintVersion(records: RequestRecord[]): string | null {
  const counts = new Map<string, number>();
  for (const r of records) if (r.systemFingerprint) counts.set(r.systemFingerprint, (counts.get(r.systemFingerprint) ?? 0) + 1);
  if (counts.size === 0) return null;
  return [...counts].sort((a, b) => b[1] - a[1]).map(([f]) => f).join(", ");
}
