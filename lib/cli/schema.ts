/** `lem schema [study|experiment] [--output FILE]`: the JSON Schema of lem's configuration files. */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { experimentJsonSchema, studyJsonSchema } from "../config/json-schema.js";
import { UsageError } from "./output.js";

export const schemaHelp = `Usage: lem schema [study|experiment] [--output FILE]

Print the JSON Schema of a study file (the default) or of a single experiment file, for
editor completion and checking. With the YAML language server, put this first line in a study:
  # yaml-language-server: $schema=./lem-study.schema.json

Options:
  -o, --output FILE   write the schema to FILE instead of standard output
  -h, --help          show this help

Examples:
  lem schema > lem-study.schema.json
  lem schema experiment --output lem-experiment.schema.json
`;

export async function runSchema(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { output: { type: "string", short: "o" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(schemaHelp);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`"lem schema" takes one argument (study or experiment), got: ${positionals.join(" ")}`);
  const which = positionals[0] ?? "study";
  if (which !== "study" && which !== "experiment") {
    throw new UsageError(`"lem schema" knows "study" and "experiment", got "${which}". See "lem schema --help".`);
  }
  const schema = which === "study" ? studyJsonSchema() : experimentJsonSchema();
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  if (values.output !== undefined) {
    if (values.output === "") throw new UsageError("--output needs a file name");
    await writeFile(values.output, text);
    process.stderr.write(`lem: wrote the ${which} JSON Schema to ${values.output}\n`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}
