/**
 * The configuration of an experiment and of a study, as zod schemas: the single source of
 * truth for their types (z.infer) and for the JSON Schema editors use (`lem schema`).
 */
import { z } from "zod";

/** Backends lem can run. Only `command` exists so far; the engine backends come later. */
export const BACKENDS = ["command"] as const;
export type BackendName = (typeof BACKENDS)[number];

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const CommandBackendSchema = z
  .object({
    /** Program and arguments; `{model}`, `{name}`, `{params.NAME}` or `{NAME}` (a param) are filled in. */
    argv: z.array(z.string().min(1)).min(1),
    /** window: the child marks its window on fd 3; lifetime: the whole process; auto: window when marked. */
    measure: z.enum(["auto", "window", "lifetime"]).default("auto"),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().optional(),
  })
  .strict();

export const DatasetSchema = z
  .object({
    /** "synthetic" (generated, no download) or the path of a JSONL file. */
    source: z.string().min(1).default("synthetic"),
    prompts: z.number().int().positive().default(64),
    order: z.enum(["file", "shuffled", "grouped"]).default("file"),
    seed: z.number().int().nonnegative().default(0),
    groupBy: z.string().optional(),
  })
  .strict();

export const GenerationSchema = z
  .object({
    maxInputTokens: z.number().int().positive().default(512),
    maxOutputTokens: z.number().int().positive().default(128),
  })
  .strict();

export const SettlingSchema = z
  .object({
    /** thermal: wait until power and temperature are back near the baseline; gap: fixed pause; none. */
    mode: z.enum(["thermal", "gap", "none"]).default("thermal"),
    gapS: z.number().nonnegative().default(0),
    maxWaitS: z.number().positive().default(120),
    temperatureBandC: z.number().positive().default(3),
  })
  .strict();

export const MeasurementSchema = z
  .object({
    intervalMs: z.number().min(0.2).max(10_000).default(10),
    /** Requests or seconds of warm-up the backend runs before it opens the window. */
    warmupRequests: z.number().int().nonnegative().default(0),
    baseline: z
      .object({
        enabled: z.boolean().default(true),
        durationS: z.number().positive().max(3600).default(30),
        cacheTtlS: z.number().nonnegative().default(86_400),
      })
      .strict()
      .default({ enabled: true, durationS: 30, cacheTtlS: 86_400 }),
    settling: SettlingSchema.default({ mode: "thermal", gapS: 0, maxWaitS: 120, temperatureBandC: 3 }),
    residualMemoryThresholdMiB: z.number().nonnegative().default(100),
    /** Wait up to this long for residual memory to be released before warning. */
    residualMemoryWaitS: z.number().nonnegative().default(10),
  })
  .strict();

export const ExperimentSchema = z
  .object({
    /** A readable name; default derived from the model and the swept values. */
    name: z.string().min(1).optional(),
    model: z.string().min(1),
    backend: z.enum(BACKENDS),
    command: CommandBackendSchema.optional(),
    /** Free-form engine parameters (batch_size, precision, concurrency, ...), swept like any field. */
    params: z.record(z.string(), scalar).default({}),
    dataset: DatasetSchema.default({ source: "synthetic", prompts: 64, order: "file", seed: 0 }),
    generation: GenerationSchema.default({ maxInputTokens: 512, maxOutputTokens: 128 }),
    measurement: MeasurementSchema.default(MeasurementSchema.parse({})),
    /** GPUs as CUDA_VISIBLE_DEVICES lists them; default lem's own. */
    devices: z.string().optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.backend === "command" && !e.command) {
      ctx.addIssue({ code: "custom", path: ["command"], message: 'the "command" backend needs command.argv' });
    }
  });

export type ExperimentConfig = z.output<typeof ExperimentSchema>;
export type ExperimentInput = z.input<typeof ExperimentSchema>;

export const ExecutionSchema = z
  .object({
    cycles: z.number().int().positive().max(1000).default(3),
    order: z.enum(["sequential", "interleaved", "shuffled", "reverse", "latin-square"]).default("shuffled"),
    /** Seed of the shuffled order; default derived from the study's hash. */
    seed: z.number().int().nonnegative().optional(),
    /** Per-run time limit. */
    runTimeoutS: z.number().positive().default(3600),
    /** A child silent (no output, no protocol event) longer than this is stopped. */
    silenceTimeoutS: z.number().positive().default(600),
    /** After this many consecutive failures: pause, one trial run, then stop if it fails too. */
    maxConsecutiveFailures: z.number().int().positive().default(3),
    circuitPauseS: z.number().nonnegative().default(60),
    failFast: z.boolean().default(false),
    /** Wall-clock limit of the whole study. */
    studyTimeoutS: z.number().positive().optional(),
  })
  .strict();

export const StudySchema = z
  .object({
    name: z.string().min(1).regex(/^[\w.-]+$/, "letters, digits, '.', '_' and '-' only (it names a directory)"),
    description: z.string().optional(),
    /** A base experiment file (YAML/JSON) this study extends, relative to the study file. */
    extends: z.string().optional(),
    /** The base experiment, merged over `extends`. */
    base: z.record(z.string(), z.unknown()).default({}),
    /** Dotted key -> list of scalars (an axis) or list of objects (a dependent group). */
    sweep: z.record(z.string(), z.array(z.unknown()).min(1, "an axis needs at least one value")).default({}),
    /** Explicit experiments (partial, merged over the base), added to the grid. */
    experiments: z.array(z.record(z.string(), z.unknown())).default([]),
    execution: ExecutionSchema.default(ExecutionSchema.parse({})),
    output: z.object({ dir: z.string().default("results") }).strict().default({ dir: "results" }),
  })
  .strict();

export type StudyConfig = z.output<typeof StudySchema>;
