import { InvalidOptionsError } from "../errors.js";

/** A 32-bit seed from the first 8 hex digits of a study's hash. */
export function seedFromHash(studyHash: string): number {
  const head = studyHash.slice(0, 8);
  if (!/^[0-9a-fA-F]{8}$/.test(head)) {
    throw new InvalidOptionsError(`a seed needs a hash starting with 8 hex digits, got "${studyHash}"`);
  }
  return Number.parseInt(head, 16) >>> 0;
}
