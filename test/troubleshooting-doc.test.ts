// docs/troubleshooting.md has a section for every code lem can show a user, found in the source:
// so that a code added later comes with what it means and what to do.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/run-lem.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const sources = sourceFiles(join(repoRoot, "lib")).map((file) => ({ file: relative(repoRoot, file), text: readFileSync(file, "utf8") }));

/**
 * Every distinct capture of `pattern` over the source, with the first file it occurs in. The
 * capture is a string literal's text, or the name of a constant (`check: CHECK`) whose
 * `const CHECK = "..."` in the same file gives it.
 */
function collect(pattern: RegExp, keep: (code: string) => boolean = () => true): Map<string, string> {
  const found = new Map<string, string>();
  for (const { file, text } of sources) {
    for (const m of text.matchAll(pattern)) {
      const value = m[1] ?? text.match(new RegExp(`\\bconst\\s+${m[2]}\\s*=\\s*"([^"]+)"`))?.[1];
      if (value !== undefined && keep(value) && !found.has(value)) found.set(value, file);
    }
  }
  return found;
}

/**
 * The rules (tell whoever adds a code), over every .ts file under lib/:
 * - an error code is a literal given first to super(...) that looks like a code ("LEM_..." or
 *   lower-case words joined by "-"), a "LEM_..." literal given first to new SomethingError(...)
 *   (LemError included) or as `code: "LEM_..."`, or an item of an `..._ERROR_CODES = [...]` list;
 * - a warning code is a lower-case `code: "..."` literal (zod's own issue code "custom" aside) or
 *   a member of the MeasurementWarning code union in lib/warnings/measurement-warning.ts;
 * - a pre-flight id is a `check: "..."` literal;
 * in each, a constant of the same file (`check: CHECK` with `const CHECK = "docker"`) counts too.
 */
const isLemCode = (c: string) => /^LEM_[A-Z0-9_]+$/.test(c);
const errorCodes = new Map([
  ...collect(/\bsuper\(\s*(?:"([^"]+)"|([A-Z][A-Z0-9_]*)\s*,)/g, (c) => isLemCode(c) || /^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$/.test(c)),
  ...collect(/\bnew\s+[A-Z]\w*\(\s*(?:"([^"]+)"|([A-Z][A-Z0-9_]*)\s*,)/g, isLemCode),
  ...collect(/\bcode:\s*(?:"([^"]+)"|([A-Z][A-Z0-9_]*)\b)/g, isLemCode),
  ...sources.flatMap(({ file, text }) =>
    [...text.matchAll(/_ERROR_CODES\s*=\s*\[([^\]]*)\]/g)].flatMap((m) => [...m[1]!.matchAll(/"([^"]+)"/g)].map((c) => [c[1]!, file] as [string, string])),
  ),
]);
const warningUnion = readFileSync(join(repoRoot, "lib", "warnings", "measurement-warning.ts"), "utf8").match(/code:\s*((?:\s*\|\s*"[a-z-]+")+)/)?.[1] ?? "";
const warningCodes = new Map([
  ...collect(/\bcode:\s*(?:"([a-z][a-z0-9-]*)"|([A-Z][A-Z0-9_]*)\b)/g, (c) => /^[a-z][a-z0-9-]*$/.test(c) && c !== "custom"),
  ...[...warningUnion.matchAll(/"([a-z-]+)"/g)].map((m) => [m[1]!, "lib/warnings/measurement-warning.ts"] as [string, string]),
]);
const preflightIds = collect(/\bcheck:\s*(?:"([a-z][a-z0-9-]*)"|([A-Z][A-Z0-9_]*)\b)/g);
const nvmlNames = [...readFileSync(join(repoRoot, "native", "nvml", "nvml_errors.cc"), "utf8").matchAll(/"(NVML_ERROR_[A-Z_]+)"/g)].map((m) => m[1]!);

const doc = readFileSync(join(repoRoot, "docs", "troubleshooting.md"), "utf8");

/** The codes named in backticks by the ### headings of the ## part whose title starts with `title`. */
function sectionCodes(title: string): string[] {
  const part = doc.split(/^## /m).find((p) => p.startsWith(title));
  if (!part) throw new Error(`docs/troubleshooting.md has no part "## ${title}"`);
  return [...part.matchAll(/^### `([^`]+)`/gm)].map((m) => m[1]!);
}

describe("docs/troubleshooting.md", () => {
  it("finds the codes in the source", () => {
    // Guards the patterns themselves: codes that exist today must be found.
    expect([...errorCodes.keys()]).toEqual(expect.arrayContaining(["LEM_CONFIG", "LEM_PREFLIGHT", "LEM_USAGE", "LEM_GPU_BUSY", "LEM_NVML_ERROR"]));
    expect([...warningCodes.keys()]).toEqual(expect.arrayContaining(["short-window", "protocol", "device-failed", "residual-memory"]));
    expect([...preflightIds.keys()]).toEqual(expect.arrayContaining(["nvml", "gpus", "gpu-lock", "backend", "throttled-at-rest"]));
    expect(warningCodes.has("custom")).toBe(false);
  });

  it("has a section for every error code", () => {
    const documented = new Set(sectionCodes("Errors"));
    const missing = [...errorCodes].filter(([code]) => !documented.has(code)).map(([code, file]) => `${code} (${file})`);
    expect(missing, 'add a "### `CODE`" section under "## Errors"').toEqual([]);
  });

  it("has a section for every pre-flight check and warning id", () => {
    const documented = new Set(sectionCodes("Pre-flight"));
    const missing = [...preflightIds].filter(([id]) => !documented.has(id)).map(([id, file]) => `${id} (${file})`);
    expect(missing, 'add a "### `id`" section under "## Pre-flight checks"').toEqual([]);
  });

  it("has a section for every measurement warning code", () => {
    const documented = new Set(sectionCodes("Measurement warnings"));
    const missing = [...warningCodes].filter(([code]) => !documented.has(code)).map(([code, file]) => `${code} (${file})`);
    expect(missing, 'add a "### `code`" section under "## Measurement warnings"').toEqual([]);
  });

  it("documents no code the source no longer has", () => {
    expect(sectionCodes("Errors").filter((c) => !errorCodes.has(c))).toEqual([]);
    expect(sectionCodes("Pre-flight").filter((c) => !preflightIds.has(c))).toEqual([]);
    expect(sectionCodes("Measurement warnings").filter((c) => !warningCodes.has(c))).toEqual([]);
  });

  it("explains every NVML error name the addon reports", () => {
    expect(nvmlNames.length).toBeGreaterThan(25);
    expect(nvmlNames.filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
  });
});
