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

/**
 * https://no-color.org: any non-empty NO_COLOR turns colour off, as does FORCE_COLOR=0 (or
 * false). Any other non-empty FORCE_COLOR turns it on even in a pipe (CI logs render it);
 * otherwise colour only on a terminal. A live region still needs a terminal.
 */
export function colorEnabled(stream: MaybeTty, env: Env = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force === "0" || force === "false") return false;
  if (colorForced(env)) return true;
  return canShowLiveRegion(stream, env);
}

/** FORCE_COLOR asks for colour (any non-empty value but 0 or false) and NO_COLOR does not forbid it. */
export function colorForced(env: Env = process.env): boolean {
  const force = env.FORCE_COLOR;
  return force !== undefined && force !== "" && force !== "0" && force !== "false" && !(env.NO_COLOR !== undefined && env.NO_COLOR !== "");
}

/** Colour functions that are plain identity functions when colour is off. */
export function colorsFor(stream: MaybeTty, env: Env = process.env): Colors {
  return pc.createColors(colorEnabled(stream, env));
}
