/**
 * The highest mean power lem accepts as "idle" for a GPU model: a baseline above it was taken
 * on a GPU that was doing something. Ceilings, not typical values: each is set at about twice
 * the board's typical idle draw, so a real idle board passes with room and a loaded one does
 * not. Estimates, not measured by lem (docs/measurement.md): correct them from bench/gpu runs.
 * Unlisted boards get a generic ceiling relative to their power limit.
 */

/** Model name fragments, most specific first ("A100" before "A10"), and their ceiling in W. */
export const IDLE_CEILINGS_W: readonly { match: string; ceilingW: number }[] = [
  { match: "GH200", ceilingW: 250 },
  { match: "H200", ceilingW: 150 },
  { match: "H100", ceilingW: 150 },
  { match: "H800", ceilingW: 150 },
  { match: "A100", ceilingW: 110 },
  { match: "A800", ceilingW: 110 },
  { match: "A30", ceilingW: 70 },
  { match: "A10", ceilingW: 45 },
  { match: "L40", ceilingW: 80 },
  { match: "L4", ceilingW: 35 },
  { match: "V100", ceilingW: 80 },
  { match: "T4", ceilingW: 25 },
];

/** Generic ceiling: this share of the power limit, and never below GENERIC_MIN_W. */
export const GENERIC_CEILING_SHARE = 0.25;
export const GENERIC_MIN_W = 20;

export interface IdleCeiling {
  ceilingW: number;
  /** Where it came from: `table:H100`, or `generic:25% of 700 W`, or `generic:minimum`. */
  source: string;
}

export function idleCeiling(name: string, powerLimitW: number | undefined): IdleCeiling {
  const row = IDLE_CEILINGS_W.find((r) => name.includes(r.match));
  if (row) return { ceilingW: row.ceilingW, source: `table:${row.match}` };
  if (powerLimitW !== undefined && powerLimitW > 0) {
    const w = GENERIC_CEILING_SHARE * powerLimitW;
    if (w >= GENERIC_MIN_W) return { ceilingW: w, source: `generic:${GENERIC_CEILING_SHARE * 100}% of ${powerLimitW} W` };
  }
  return { ceilingW: GENERIC_MIN_W, source: "generic:minimum" };
}
