/** How the report writes numbers, intervals, dates and durations in its tables. */

/** About `digits` significant digits in plain decimals; "n/a" for an unknown figure. */
export function formatFigure(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "n/a";
  if (x === 0) return "0";
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(x))));
  return x.toFixed(Math.min(decimals, 12));
}

/** At most `decimals` decimals, trailing zeros dropped: 700 -> "700", 79.64 -> "79.6". */
export function formatRounded(x: number | null | undefined, decimals: number): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "n/a";
  return String(Number(x.toFixed(decimals)));
}

/** "mean [low, high]" scaled by `scale`, or the mean alone without an interval. */
export function formatMeanInterval(
  mean: number | null,
  ci95: { low: number; high: number } | null,
  scale = 1,
): { mean: string; interval: string } {
  if (mean === null) return { mean: "n/a", interval: "" };
  return {
    mean: formatFigure(mean * scale),
    interval: ci95 ? `[${formatFigure(ci95.low * scale)}, ${formatFigure(ci95.high * scale)}]` : "",
  };
}

/** An ISO 8601 time as "YYYY-MM-DD HH:MM:SS UTC"; the text itself when it is not a date. */
export function formatDateTime(iso: string | null): string {
  if (iso === null) return "n/a";
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return `${t.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Seconds as "850 ms", "4.2 s", "12 min 3 s" or "2 h 5 min". */
export function formatDurationS(s: number | null): string {
  if (s === null || !Number.isFinite(s) || s < 0) return "n/a";
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${formatFigure(s, 3)} s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  return `${Math.floor(whole / 3600)} h ${Math.floor((whole % 3600) / 60)} min`;
}

/** A swept value as text: strings bare, everything else as JSON. */
export function formatValue(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
}
