/**
 * Fills a command backend's argument list from an experiment: `{model}`, `{name}`, any dotted
 * field (`{generation.maxOutputTokens}`), `{params.batch_size}` or its shorthand `{batch_size}`.
 * `{{` and `}}` stand for literal braces. An unknown name is an error, never an empty string.
 */
import { LemError } from "../errors.js";

export class TemplateError extends LemError {
  constructor(message: string) {
    super("LEM_TEMPLATE", message);
  }
}

function lookup(config: Record<string, unknown>, name: string): unknown {
  const params = (config.params ?? {}) as Record<string, unknown>;
  if (!name.includes(".") && name in params) return params[name];
  let value: unknown = config;
  for (const part of name.split(".")) {
    if (value === null || typeof value !== "object" || !(part in value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function fillTemplate(text: string, config: Record<string, unknown>, where: string): string {
  return text.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, name: string | undefined) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    const value = lookup(config, name!.trim());
    if (value === undefined || (typeof value === "object" && value !== null)) {
      throw new TemplateError(
        `${where}: "{${name}}" names ${value === undefined ? "no field or param" : "an object, not a value"} of the experiment. ` +
          `Use {model}, {name}, a dotted field such as {generation.maxOutputTokens}, or a param such as {params.batch_size}; ` +
          `for literal braces write {{ and }} (e.g. "{{}}" for "{}").`,
      );
    }
    return String(value);
  });
}

export function fillArgv(argv: string[], config: Record<string, unknown>, experiment: string): string[] {
  return argv.map((a, i) => fillTemplate(a, config, `${experiment}: command.argv[${i}]`));
}
