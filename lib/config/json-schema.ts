/**
 * JSON Schemas of a study and an experiment, generated from the zod schemas, for editor
 * completion and validation (`lem schema`). Input schemas: fields with defaults are optional.
 */
import { z } from "zod";
import { ExperimentSchema, StudySchema } from "./schema.js";
import { SLURM_DOCS } from "./slurm-schema.js";

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

/** What each field means, shown by editors; keyed by dotted path in an experiment (or a study: "study."). */
const EXPERIMENT_DOCS: Record<string, string> = {
  name: "A readable name (not part of the configuration's identity); default: derived from the swept values.",
  model: "The model: a name or path, recorded with the results and passed to the backend.",
  backend: "The backend that runs the inference.",
  command: 'Settings of the "command" backend: a program lem runs and measures.',
  "command.argv": "Program and arguments; {model}, {name}, {params.NAME} (or {NAME}) and dotted fields are filled in.",
  "command.measure": "window: the child marks its measurement window; lifetime: the whole process; auto: the window when marked.",
  "command.env": "Extra environment variables for the program.",
  "command.cwd": "Working directory of the program.",
  params: "Free-form engine parameters (batch_size, precision, concurrency, ...): strings, numbers or booleans.",
  dataset: "The prompts.",
  "dataset.source": '"synthetic" (generated, no download) or the path of a JSONL file.',
  "dataset.prompts": "How many prompts.",
  "dataset.maxPrompts": "The most prompts dataset.prompts may ask for (each is held in memory); raise it explicitly for a larger dataset.",
  "dataset.order": "file: as given; shuffled: by seed; grouped: by groupBy.",
  "dataset.seed": "Seed of generation and shuffling.",
  "dataset.groupBy": "Field of the JSONL records to group by (order: grouped).",
  generation: "Limits of each request.",
  "generation.maxInputTokens": "Prompt length limit, in tokens.",
  "generation.maxOutputTokens": "Tokens generated per request, at most.",
  measurement: "How energy is measured.",
  "measurement.intervalMs": "Power sampling interval, in milliseconds.",
  "measurement.warmupRequests": "Requests the backend runs before it opens the measurement window.",
  "measurement.baseline": "Idle power, measured before the study and subtracted.",
  "measurement.baseline.enabled": "Measure and subtract the idle baseline.",
  "measurement.baseline.durationS": "How long to measure idle power, in seconds.",
  "measurement.baseline.cacheTtlS": "How long a measured baseline is reused, in seconds.",
  "measurement.settling": "What happens between runs.",
  "measurement.settling.mode": "thermal: wait until power and temperature are back near the baseline; gap: a fixed pause; none.",
  "measurement.settling.gapS": "The pause between runs (mode gap), in seconds.",
  "measurement.settling.maxWaitS": "Longest wait for the GPU to settle (mode thermal), in seconds.",
  "measurement.settling.temperatureBandC": "How near the baseline temperature counts as settled, in degrees C.",
  "measurement.residualMemoryThresholdMiB": "GPU memory still in use before a run above which lem warns, in MiB.",
  "measurement.residualMemoryWaitS": "How long to wait for residual memory to be released, in seconds.",
  "measurement.phaseShift": "Delay each run's start by a random fraction of the 100 ms power-sensor period (recorded as phaseShift in result.json): on, off, or auto (on unless the configuration's previous window lasted 30 s or more).",
  devices: "GPUs as CUDA_VISIBLE_DEVICES lists them; default: lem's own CUDA_VISIBLE_DEVICES.",
};

const STUDY_DOCS: Record<string, string> = {
  name: "The study's name: letters, digits, '.', '_' and '-'; it names the results directory.",
  description: "Free text, recorded with the results.",
  extends: "A base experiment file (YAML or JSON), relative to this file; `base` is merged over it.",
  base: "The base experiment every point starts from (merged over `extends`).",
  sweep: "The sweep: dotted key -> list of values (an axis) or list of mappings (a dependent group).",
  experiments: "Explicit experiments, each merged over the base, added after the grid.",
  execution: "How the experiments are run.",
  "execution.cycles": "How many times every experiment runs.",
  "execution.order": "Order of the runs within the cycles.",
  "execution.seed": "Seed of the shuffled order; default: derived from the study's hash.",
  "execution.runTimeoutS": "Time limit of one run, in seconds.",
  "execution.silenceTimeoutS": "A child silent (no output, no protocol event) this long is stopped, in seconds.",
  "execution.maxConsecutiveFailures": "After this many failures in a row: pause, one trial run, then stop if it fails too.",
  "execution.circuitPauseS": "The pause after too many failures, in seconds.",
  "execution.failFast": "Stop the study at the first failed run.",
  "execution.studyTimeoutS": "Time limit of the whole study, in seconds.",
  "execution.maxRuns": "The most planned runs (sweep points × cycles) the study may have, counted before the sweep is expanded; raise it explicitly for a larger study.",
  ...SLURM_DOCS,
  output: "Where results go.",
  "output.dir": "The results directory (the study's own directory is made inside it).",
};

/** Adds `description` to the properties named in `docs` (dotted paths). */
function describe(schema: JsonObject, docs: Record<string, string>): JsonObject {
  for (const [path, text] of Object.entries(docs)) {
    let node: unknown = schema;
    for (const key of path.split(".")) {
      const props: unknown = isObject(node) ? node.properties : undefined;
      node = isObject(props) ? props[key] : undefined;
    }
    if (isObject(node) && typeof node.description !== "string") node.description = text;
  }
  return schema;
}

function generate(schema: z.ZodType): JsonObject {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonObject;
}

function experimentSchemaWithDocs(): JsonObject {
  return describe(generate(ExperimentSchema), EXPERIMENT_DOCS);
}

/** The experiment schema with nothing required anywhere (a base or an explicit experiment may be partial). */
function partial(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(partial);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "required" || k === "$schema") continue;
    out[k] = partial(v);
  }
  return out;
}

/** JSON Schema of a single experiment file. */
export function experimentJsonSchema(): object {
  return {
    ...experimentSchemaWithDocs(),
    title: "lem experiment",
    description: "One configuration of LLM inference whose GPU energy lem measures.",
  };
}

/** JSON Schema of a study file; `base` and `experiments` are described as (partial) experiments. */
export function studyJsonSchema(): object {
  const study = describe(generate(StudySchema), STUDY_DOCS);
  const experiment = partial(experimentSchemaWithDocs()) as JsonObject;
  // Top-level dotted keys ("params.batch_size": 8) are allowed in a base and an explicit experiment.
  const partialExperiment = { ...experiment, patternProperties: { "^[^.]+\\..+$": {} } };
  const properties = isObject(study.properties) ? study.properties : {};
  const base = isObject(properties.base) ? properties.base : {};
  const experiments = isObject(properties.experiments) ? properties.experiments : {};
  const sweep = isObject(properties.sweep) ? properties.sweep : {};
  return {
    ...study,
    title: "lem study",
    description: "A set of experiments (a sweep over a base, plus explicit experiments) and how to run them.",
    $defs: { ...(isObject(study.$defs) ? study.$defs : {}), experiment: partialExperiment },
    properties: {
      ...properties,
      base: { ...(typeof base.description === "string" ? { description: base.description } : {}), $ref: "#/$defs/experiment", default: {} },
      experiments: { ...experiments, items: { $ref: "#/$defs/experiment" } },
      sweep: {
        ...sweep,
        description:
          'Dotted key -> list of values (an axis, e.g. "params.batch_size": [1, 8]) or list of mappings ' +
          '(a dependent group, crossed with the rest); prefix a key with "BACKEND:" to apply it to that backend only.',
        additionalProperties: {
          type: "array",
          minItems: 1,
          anyOf: [
            { items: { not: { type: "object" } } },
            { items: { type: "object" } },
          ],
        },
      },
    },
  };
}
