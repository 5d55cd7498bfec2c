/**
 * The configuration reference (docs/configuration-reference.md), generated from the JSON
 * Schemas that lib/config/json-schema.ts derives from the zod schemas: every field of a study
 * file and of an experiment with its type, default, allowed values and description. A field
 * the JSON Schema leaves undescribed takes its text from the tables below, so the reference
 * stays complete without touching schema.ts (`undescribedFields()` lists any still missing).
 */
import { ExperimentSchema } from "./schema.js";
import { experimentJsonSchema, studyJsonSchema } from "./json-schema.js";

type JsonNode = Record<string, unknown>;

const isNode = (v: unknown): v is JsonNode => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Descriptions of experiment fields the JSON Schema has none for, keyed by dotted path. The
 * texts follow the comments in lib/config/schema.ts: they say what a field means, not how a
 * backend that is still being built behaves.
 */
export const EXPERIMENT_FIELD_DESCRIPTIONS: Record<string, string> = {
  server: "An OpenAI-compatible server (server backends): started by lem from the engine's launch template or `argv`, or attached at `url`.",
  "server.url": "Attach to a server already running at this URL; lem neither starts nor stops it.",
  "server.argv": 'The launch command (backend "openai"); {model}, {host}, {port} and params are filled in. Engine backends have a template.',
  "server.engineArgs": "Engine flags, written `--key value` (true: `--key`; false: left out), e.g. {max-num-seqs: 64}.",
  "server.extraArgs": "Arguments appended verbatim to the launch command.",
  "server.env": "Extra environment variables for the server.",
  "server.host": "Host the server listens on.",
  "server.port": "Port the server listens on; 0: lem picks a free port.",
  "server.servedModelName": "Model name the server is asked for; default: the model.",
  "server.executable":
    "The engine's program in its launch template (e.g. /opt/llama.cpp/bin/llama-server); default: the engine's name on PATH (sglang: python3). Not for backend openai (its program is server.argv[0]).",
  "server.healthPath": "Health path polled until the server is ready; default per engine: /health, or /v1/models.",
  "server.readyTimeoutS": "Longest wait for the server to become ready, in seconds.",
  "server.shutdownGraceS": "Grace between SIGTERM and SIGKILL of the server's process group, in seconds.",
  workload: "How lem drives an OpenAI-compatible server (server backends).",
  "workload.concurrency": "Requests in flight at most.",
  "workload.requestRate": "Mean request rate (requests/s) with Poisson arrivals, seeded from generation.seed; absent: as fast as concurrency allows.",
  "workload.api": "OpenAI endpoint: completions (/v1/completions) or chat (/v1/chat/completions).",
  "workload.stream": "Stream the responses (needed for time to first token and inter-token latency).",
  "workload.requestTimeoutS": "Time limit of one request, in seconds.",
  "workload.steadyState":
    "Also account the steady-state window (ML.ENERGY benchmark): from the first instant `concurrency` requests are generating at once (each past its first token) to the end of the (N − concurrency + 1)-th request to finish; see backends.md.",
  "workload.cache":
    "Prompt cache before each window: cold empties it by the engine's own mechanism (vLLM POST /reset_prefix_cache, SGLang POST /flush_cache, llama-server cache_prompt: false per request; none for TGI, TensorRT-LLM, openai), warm leaves it; see backends.md.",
  transformers: 'Settings of the "transformers" backend (harness/python/lem_transformers.py, a Hugging Face transformers child).',
  "transformers.python": "The Python with torch and transformers; default: $LEM_PYTHON, then python3 on PATH.",
  "transformers.dtype": "Data type the model is loaded in; auto: the model's own.",
  "transformers.deviceMap": 'How the model is placed on the GPUs (transformers\' device_map), e.g. "auto".',
  "transformers.attnImplementation": "Attention implementation (transformers' attn_implementation); default: the library's choice.",
  "transformers.batchSize": "Prompts generated together in one batch.",
  "transformers.trustRemoteCode": "Allow the model's own code from the hub to run (transformers' trust_remote_code).",
  llamacpp: 'Settings of the "llamacpp" backend (harness/node/llama-cpp.mjs, llama.cpp in-process in a Node child through node-llama-cpp).',
  "llamacpp.gpuLayers": 'Layers offloaded to the GPU: "auto", "max" or a number (0 = CPU only).',
  "llamacpp.contextSize": "Context size of each sequence, in tokens (llama.cpp allocates contextSize × batchSize).",
  "llamacpp.batchSize": "Sequences decoded together (llama.cpp parallel sequences).",
  "llamacpp.threads": "CPU threads; default: the CPU's math cores (as llama.cpp chooses).",
  docker: "Runs the backend's child (or server) inside a container image.",
  "docker.image": "The container image.",
  "docker.pull": "Pull policy before the study: missing (pull when not present), always, never.",
  "docker.envFile": "A file of KEY=VALUE lines passed with --env-file (secrets stay out of argv and results).",
  "docker.mounts": "Host paths mounted read-only at the same path (models, datasets).",
  "docker.extraArgs": "Arguments added to `docker run`.",
  "docker.docker": "The docker executable.",
  "dataset.field": "JSONL field holding the prompt; default: the first of prompt, text, instruction, input, question.",
  "dataset.synthetic": "Length distribution of the synthetic prompts, in (approximate) tokens.",
  "dataset.synthetic.distribution": "Shape of the length distribution: fixed (always meanTokens), uniform, normal or lognormal.",
  "dataset.synthetic.meanTokens": "Mean prompt length, in tokens.",
  "dataset.synthetic.stddevTokens": "Standard deviation (normal, lognormal), in tokens; ignored by fixed and uniform.",
  "dataset.synthetic.minTokens": "Shortest prompt, in tokens (uniform draws between the bounds; the others are clipped to them).",
  "dataset.synthetic.maxTokens": "Longest prompt, in tokens (uniform draws between the bounds; the others are clipped to them).",
  "generation.temperature": "Sampling temperature; 0 = greedy decoding.",
  "generation.topP": "Nucleus sampling: the smallest set of tokens whose probability reaches topP.",
  "generation.seed": "Seed of sampled decoding, where the engine takes one.",
  "generation.ignoreEos": "Generate maxOutputTokens whatever the model says (engines that support it: vLLM, SGLang, TGI, llama.cpp).",
};

/** Descriptions of study fields the JSON Schema has none for, keyed by dotted path. */
export const STUDY_FIELD_DESCRIPTIONS: Record<string, string> = {};

/** Checks the zod schemas make that a JSON Schema cannot express: an input that breaks each, at the path it names. */
const CROSS_FIELD_RULES: { path: string; input: Record<string, unknown> }[] = [
  { path: "command", input: { model: "m", backend: "command" } },
  { path: "server", input: { model: "m", backend: "openai" } },
  { path: "server.url", input: { model: "m", backend: "openai", server: { url: "http://127.0.0.1:8000", argv: ["serve"] } } },
  { path: "docker", input: { model: "m", backend: "openai", server: { url: "http://127.0.0.1:8000" }, docker: { image: "i" } } },
  { path: "dataset.groupBy", input: { model: "m", backend: "command", command: { argv: ["x"] }, dataset: { order: "grouped" } } },
  {
    path: "dataset.synthetic.minTokens",
    input: { model: "m", backend: "command", command: { argv: ["x"] }, dataset: { synthetic: { minTokens: 10, maxTokens: 5 } } },
  },
];

export interface ReferenceField {
  file: "study" | "experiment";
  /** Dotted path in the file. */
  path: string;
  type: string;
  /** Required whenever its parent mapping is given. */
  required: boolean;
  /** The default as written in a file, or null when there is none. */
  defaultText: string | null;
  /** Allowed values and bounds, or null when any value of the type is allowed. */
  allowed: string | null;
  description: string | null;
  descriptionFrom: "json-schema" | "reference-table" | null;
  /** A mapping whose fields are listed in their own section. */
  hasFields: boolean;
}

const code = (v: unknown) => `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** The branches of an `anyOf`, each with the type its parent states for all of them. */
function branches(n: JsonNode): JsonNode[] {
  const list = Array.isArray(n.anyOf) ? n.anyOf.filter(isNode) : [];
  return list.map((b) => (n.type !== undefined && b.type === undefined ? { type: n.type, ...b } : b));
}

function typeText(n: JsonNode): string {
  if (typeof n.$ref === "string") return "experiment (partial)";
  if (Array.isArray(n.anyOf)) return [...new Set(branches(n).map(typeText))].join(" or ");
  // `not` only ever excludes a type here (a sweep axis holds anything but mappings).
  if (isNode(n.not)) return "value";
  const t = n.type;
  if (Array.isArray(t)) return t.length > 1 ? `${t.slice(0, -1).join(", ")} or ${String(t[t.length - 1])}` : String(t[0]);
  if (t === "array") return isNode(n.items) ? `list of ${plural(typeText(n.items))}` : "list";
  if (t === "object") {
    if (isNode(n.properties)) return "mapping";
    if (isNode(n.additionalProperties)) return `map of names to ${plural(typeText(n.additionalProperties))}`;
    return "mapping";
  }
  return typeof t === "string" ? t : "any";
}

function plural(t: string): string {
  if (t.startsWith("experiment")) return t.replace("experiment", "experiments");
  if (t.includes(" or ")) return t;
  return t.startsWith("list") || t.startsWith("map ") ? t : `${t}s`;
}

function boundsText(n: JsonNode): string[] {
  const out: string[] = [];
  if (typeof n.exclusiveMinimum === "number") out.push(`> ${n.exclusiveMinimum}`);
  if (typeof n.minimum === "number") out.push(`>= ${n.minimum}`);
  if (typeof n.exclusiveMaximum === "number") out.push(`< ${n.exclusiveMaximum}`);
  if (typeof n.maximum === "number" && n.maximum < MAX_SAFE) out.push(`<= ${n.maximum}`);
  if (n.minLength === 1) out.push("not empty");
  else if (typeof n.minLength === "number") out.push(`at least ${n.minLength} characters`);
  if (n.format === "uri") out.push("a URL");
  else if (n.format === "starts_with" && typeof n.pattern === "string") out.push(`starts with ${code(n.pattern.replace(/^\^|\.\*$/g, "").replace(/\\/g, ""))}`);
  else if (typeof n.pattern === "string") out.push(`matches ${code(n.pattern)}`);
  if (typeof n.minItems === "number") out.push(`at least ${n.minItems} item${n.minItems === 1 ? "" : "s"}`);
  return out;
}

function allowedText(n: JsonNode): string | null {
  const parts: string[] = [];
  if (Array.isArray(n.enum)) parts.push(`one of ${n.enum.map(code).join(", ")}`);
  if (isNode(n.not)) parts.push(`not a ${typeText(n.not)}`);
  parts.push(...boundsText(n));
  if (n.type === "array" && isNode(n.items)) {
    const items = allowedText(n.items);
    if (items) parts.push(`each ${items}`);
  }
  if (n.type === "object" && isNode(n.additionalProperties)) {
    const values = allowedText(n.additionalProperties);
    if (values) parts.push(`each value: ${values}`);
  }
  if (Array.isArray(n.anyOf)) {
    const alternatives = branches(n).map((b) => {
      const a = allowedText(b);
      if (Array.isArray(b.enum) || a === null) return a ?? typeText(b);
      return `${typeText(b)} (${a})`;
    });
    parts.push(alternatives.join(" or "));
  }
  return parts.length > 0 ? parts.join(", ") : null;
}

function defaultText(n: JsonNode): string | null {
  if (!("default" in n)) return null;
  if (isNode(n.properties) && isNode(n.default)) return "its fields' defaults";
  return code(n.default);
}

function walk(
  file: ReferenceField["file"],
  node: JsonNode,
  prefix: string,
  tables: Record<string, string>,
  out: ReferenceField[],
): void {
  const properties = isNode(node.properties) ? node.properties : {};
  const required = Array.isArray(node.required) ? node.required : [];
  for (const [key, child] of Object.entries(properties)) {
    if (!isNode(child)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    const own = typeof child.description === "string" ? child.description : undefined;
    const fromTable = tables[path];
    const hasFields = isNode(child.properties);
    out.push({
      file,
      path,
      type: typeText(child),
      required: required.includes(key),
      defaultText: defaultText(child),
      allowed: hasFields ? null : allowedText(child),
      description: own ?? fromTable ?? null,
      descriptionFrom: own !== undefined ? "json-schema" : fromTable !== undefined ? "reference-table" : null,
      hasFields,
    });
    if (hasFields) walk(file, child, path, tables, out);
  }
}

/** Every field of a study file and of an experiment, in schema order (a mapping before its fields). */
export function configurationFields(): ReferenceField[] {
  const out: ReferenceField[] = [];
  walk("study", studyJsonSchema() as JsonNode, "", STUDY_FIELD_DESCRIPTIONS, out);
  walk("experiment", experimentJsonSchema() as JsonNode, "", EXPERIMENT_FIELD_DESCRIPTIONS, out);
  return out;
}

/** Fields with no description from the JSON Schema or the tables, as "experiment: server.url". */
export function undescribedFields(): string[] {
  return configurationFields()
    .filter((f) => f.description === null)
    .map((f) => `${f.file}: ${f.path}`);
}

/** Entries of the description tables that name no field (a field renamed or removed). */
export function staleFieldDescriptions(): string[] {
  const fields = configurationFields();
  const known = (file: ReferenceField["file"], path: string) => fields.some((f) => f.file === file && f.path === path);
  return [
    ...Object.keys(STUDY_FIELD_DESCRIPTIONS).filter((p) => !known("study", p)).map((p) => `study: ${p}`),
    ...Object.keys(EXPERIMENT_FIELD_DESCRIPTIONS).filter((p) => !known("experiment", p)).map((p) => `experiment: ${p}`),
  ];
}

/** The message the experiment schema gives for each cross-field rule, taken from the schema itself. */
function crossFieldRules(): { path: string; message: string }[] {
  return CROSS_FIELD_RULES.map(({ path, input }) => {
    const parsed = ExperimentSchema.safeParse(input);
    const issue = parsed.success ? undefined : parsed.error.issues.find((i) => i.code === "custom" && i.path.join(".") === path);
    if (!issue) throw new Error(`reference-markdown: the experiment schema no longer rejects its example for ${path}; update CROSS_FIELD_RULES`);
    return { path, message: issue.message };
  });
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const anchor = (file: string, path: string) => `${file}-${path || "top"}`.replace(/\./g, "-").toLowerCase();

function section(file: ReferenceField["file"], fields: ReferenceField[], parent: string): string[] {
  const depth = parent ? parent.split(".").length : 0;
  const rows = fields.filter((f) => f.file === file && f.path.startsWith(parent ? `${parent}.` : "") && f.path.split(".").length === depth + 1);
  if (rows.length === 0) return [];
  const lines = ["| field | type | default | allowed | description |", "| --- | --- | --- | --- | --- |"];
  for (const f of rows) {
    const name = f.hasFields ? `[\`${f.path}\`](#${anchor(file, f.path)})` : `\`${f.path}\``;
    const dflt = f.required ? (depth === 0 ? "**required**" : `required in \`${parent}\``) : (f.defaultText ?? "—");
    const type = f.type === "experiment (partial)" ? "[experiment](#experiment-file) (partial)" : f.type;
    lines.push(`| ${cell(name)} | ${cell(type)} | ${cell(dflt)} | ${cell(f.allowed ?? "")} | ${cell(f.description ?? "")} |`);
  }
  return lines;
}

function sections(file: ReferenceField["file"], fields: ReferenceField[]): string[] {
  const out = section(file, fields, "");
  for (const f of fields.filter((x) => x.file === file && x.hasFields)) {
    out.push("", `<a id="${anchor(file, f.path)}"></a>`, "", `### \`${f.path}\``, "", f.description ?? "", "", ...section(file, fields, f.path));
  }
  return out;
}

/** docs/configuration-reference.md: the whole reference, as Markdown. */
export function configurationReferenceMarkdown(): string {
  const fields = configurationFields();
  const lines = [
    "# Configuration reference",
    "",
    "<!-- Generated from lib/config/schema.ts by `lem schema --markdown`; do not edit by hand. -->",
    "<!-- Regenerate: npx tsc -p . && node dist/cli/main.js schema --markdown > docs/configuration-reference.md -->",
    "",
    "Every field of a study file and of an experiment, generated from lem's schemas: its type,",
    "its default (a field with a default may be left out), the values it allows, and what it",
    "means. How the files are written, merged and swept, with examples, is in",
    "[configuration.md](configuration.md). Durations are in seconds (`...S`), intervals in",
    "milliseconds (`...Ms`); every duration lem waits for is at most 2147483 s (24.8 days, the",
    "longest wait Node's timers can do). Unknown keys are errors everywhere except in the maps",
    "(`params`, the `env` maps, `server.engineArgs`, `sweep`).",
    "",
    "## Study file",
    "",
    "At the top level of `base` and of each item of `experiments`, a key may be a dotted path",
    "(`params.batch_size: 8`); both may leave out fields an experiment requires, as long as",
    "every experiment the study expands to has them.",
    "",
    ...sections("study", fields),
    "",
    "## Experiment file",
    "",
    "One experiment: what a study's `base` and `experiments` describe, and what `extends` names.",
    "",
    ...sections("experiment", fields),
    "",
    "## Checks across fields",
    "",
    "The loader also checks these, which a JSON Schema cannot express (the message is the one",
    "lem gives, at that path):",
    "",
    ...crossFieldRules().map((r) => `- \`${r.path}\`: ${r.message}`),
    "",
  ];
  return `${lines.join("\n").replace(/\n{3,}/g, "\n\n")}`;
}
