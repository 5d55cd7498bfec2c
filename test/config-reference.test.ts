// docs/configuration-reference.md: generated from the schemas, complete, and up to date.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  configurationFields,
  configurationReferenceMarkdown,
  staleFieldDescriptions,
  undescribedFields,
} from "../lib/config/reference-markdown.js";
import { repoRoot, runLem } from "./support/run-lem.js";

const docPath = join(repoRoot, "docs", "configuration-reference.md");
const regenerate = "npx tsc -p . && node dist/cli/main.js schema --markdown > docs/configuration-reference.md";

/** The table row of a field, split into its cells. */
function row(markdown: string, path: string): string[] {
  const line = markdown.split("\n").find((l) => l.startsWith(`| \`${path}\` |`) || l.startsWith(`| [\`${path}\`]`));
  if (!line) throw new Error(`no row for ${path}`);
  return line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
}

describe("the configuration reference", () => {
  const markdown = configurationReferenceMarkdown();

  it("has a description for every field of a study and of an experiment", () => {
    // A field added to lib/config/schema.ts needs a description: in json-schema.ts (EXPERIMENT_DOCS /
    // STUDY_DOCS, shown by editors too) or in lib/config/reference-markdown.ts (EXPERIMENT_FIELD_DESCRIPTIONS).
    expect(undescribedFields(), "fields without a description").toEqual([]);
  });

  it("keeps no description of a field that no longer exists", () => {
    expect(staleFieldDescriptions(), "entries of the description tables in lib/config/reference-markdown.ts that name no field").toEqual([]);
  });

  it("is committed as docs/configuration-reference.md, exactly as generated", () => {
    const committed = readFileSync(docPath, "utf8");
    expect(committed === markdown, `docs/configuration-reference.md is out of date; regenerate it with: ${regenerate}`).toBe(true);
  });

  it("has one table row per field", () => {
    const rows = markdown.split("\n").filter((l) => /^\| \[?`/.test(l));
    expect(rows.length).toBe(configurationFields().length);
    expect(configurationFields().length).toBeGreaterThan(60);
  });

  it("gives a field's type, default, bounds and description from the schema", () => {
    expect(row(markdown, "execution.cycles")).toEqual(["`execution.cycles`", "integer", "`3`", "> 0, <= 1000", "How many times every experiment runs."]);
    expect(row(markdown, "measurement.intervalMs").slice(1, 4)).toEqual(["number", "`10`", ">= 0.2, <= 10000"]);
    expect(row(markdown, "generation.topP").slice(1, 4)).toEqual(["number", "`1`", "> 0, <= 1"]);
  });

  it("lists the allowed values of an enumeration and of a union", () => {
    expect(row(markdown, "execution.order")[3]).toBe("one of `sequential`, `interleaved`, `shuffled`, `reverse`, `latin-square`");
    expect(row(markdown, "llamacpp.gpuLayers").slice(1, 4)).toEqual(["string or integer", "`auto`", "one of `auto`, `max` or integer (>= 0)"]);
  });

  it("marks required fields, at the top level and inside their mapping", () => {
    expect(row(markdown, "model")[2]).toBe("**required**");
    expect(row(markdown, "command.argv")[2]).toBe("required in `command`");
    expect(row(markdown, "docker.image")[2]).toBe("required in `docker`");
  });

  it("takes a description the JSON Schema lacks from its own table", () => {
    const port = configurationFields().find((f) => f.file === "experiment" && f.path === "server.port")!;
    expect(port.descriptionFrom).toBe("reference-table");
    expect(row(markdown, "server.port")).toEqual(["`server.port`", "integer", "`0`", ">= 0, <= 65535", "Port the server listens on; 0: lem picks a free port."]);
  });

  it("states the checks across fields with the schema's own messages", () => {
    expect(markdown).toContain('- `command`: the "command" backend needs command.argv');
    expect(markdown).toContain("- `dataset.synthetic.minTokens`: minTokens must not exceed maxTokens");
  });
});

describe("lem schema --markdown", () => {
  it("prints the reference", async () => {
    const r = await runLem(["schema", "--markdown"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(configurationReferenceMarkdown().replace(/\n$/, ""));
  });

  it("refuses a file kind beside --markdown, with usage status 64", async () => {
    const r = await runLem(["schema", "--markdown", "experiment"]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toBe('lem: "lem schema --markdown" covers study and experiment files at once; leave out "experiment"');
  });
});
