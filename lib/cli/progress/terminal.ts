/**
 * What a stream can show: a live region (redrawn in place) only on a terminal, colour only
 * on a terminal and only where the user has not turned it off (NO_COLOR, FORCE_COLOR=0).
 */
import pc from "picocolors";

export type Colors = ReturnType<typeof pc.createColors>;

/** The environment variables that decide; process.env by default. */
export type Env = Record<string, string | undefined>;

interface MaybeTty {
  isTTY?: boolean;
}

/** A live region needs a terminal that understands cursor movement. */
export function canShowLiveRegion(stream: MaybeTty, env: Env = process.env): boolean {
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** https://no-color.org: any non-empty NO_COLOR; FORCE_COLOR=0 too. Never off a terminal. */
export function colorEnabled(stream: MaybeTty, env: Env = process.env): boolean {
  if (!canShowLiveRegion(stream, env)) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return env.FORCE_COLOR !== "0";
}

/** Colour functions that are plain identity functions when colour is off. */
export function colorsFor(stream: MaybeTty, env: Env = process.env): Colors {
  return pc.createColors(colorEnabled(stream, env));
}
