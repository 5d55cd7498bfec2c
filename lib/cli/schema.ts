/** `lem schema [study|experiment] [--output FILE]`: the JSON Schema of lem's configuration files; `--markdown`: the reference. */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { experimentJsonSchema, studyJsonSchema } from "../config/json-schema.js";
import { configurationReferenceMarkdown } from "../config/reference-markdown.js";
import { UsageError } from "./output.js";

export const schemaHelp = `Usage: lem schema [study|experiment] [--output FILE]
       lem schema --markdown [--output FILE]

Print the JSON Schema of a study file (the default) or of a single experiment file, for
editor completion and checking. With the YAML language server, put this first line in a study:
  # yaml-language-server: $schema=./lem-study.schema.json

Options:
  --markdown          print the configuration reference instead: every field of a study
                      and an experiment with its type, default, allowed values and meaning
                      (docs/configuration-reference.md is this output)
  -o, --output FILE   write the schema to FILE instead of standard output
  -h, --help          show this help

Examples:
  lem schema > lem-study.schema.json
  lem schema experiment --output lem-experiment.schema.json
  lem schema --markdown > docs/configuration-reference.md
`;

export async function runSchema(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { output: { type: "string", short: "o" }, markdown: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(schemaHelp);
    return 0;
  }
  if (values.markdown && positionals.length > 0) {
    throw new UsageError(`"lem schema --markdown" covers study and experiment files at once; leave out "${positionals.join(" ")}"`);
  }
  if (positionals.length > 1) throw new UsageError(`"lem schema" takes one argument (study or experiment), got: ${positionals.join(" ")}`);
  const which = positionals[0] ?? "study";
  if (which !== "study" && which !== "experiment") {
    throw new UsageError(`"lem schema" knows "study" and "experiment", got "${which}". See "lem schema --help".`);
  }
  const text = values.markdown
    ? configurationReferenceMarkdown()
    : `${JSON.stringify(which === "study" ? studyJsonSchema() : experimentJsonSchema(), null, 2)}\n`;
  if (values.output !== undefined) {
    if (values.output === "") throw new UsageError("--output needs a file name");
    await writeFile(values.output, text);
    process.stderr.write(`lem: wrote ${values.markdown ? "the configuration reference" : `the ${which} JSON Schema`} to ${values.output}\n`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}
