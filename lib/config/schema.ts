/**
 * The configuration of an experiment and of a study, as zod schemas: the single source of
 * truth for their types (z.infer) and for the JSON Schema editors use (`lem schema`).
 */
import { z } from "zod";
import { DEFAULT_MAX_RUNS } from "./size-limits.js";
import { SlurmSchema } from "./slurm-schema.js";

/** Prompts a dataset may have unless it raises dataset.maxPrompts. */
export const DEFAULT_MAX_PROMPTS = 100_000;

/**
 * Backends lem can run.
 * - command: any program (speaks the child protocol on fd 3, or is measured over its lifetime);
 * - transformers: harness/python/lem_transformers.py, a Hugging Face transformers child;
 * - llamacpp: harness/node/llama-cpp.mjs, llama.cpp in-process in a Node child (node-llama-cpp);
 * - vllm, sglang, tgi, llama-server, trtllm: an OpenAI-compatible server lem starts from the
 *   engine's own launch command, then drives with the workload;
 * - openai: any OpenAI-compatible server, started from `server.argv` or attached at `server.url`.
 */
export const BACKENDS = ["command", "transformers", "llamacpp", "vllm", "sglang", "tgi", "llama-server", "trtllm", "openai"] as const;
export type BackendName = (typeof BACKENDS)[number];
/** The backends that are OpenAI-compatible servers driven by lem's workload generator. */
export const SERVER_BACKENDS = ["vllm", "sglang", "tgi", "llama-server", "trtllm", "openai"] as const;
export type ServerBackendName = (typeof SERVER_BACKENDS)[number];
export function isServerBackend(b: BackendName): b is ServerBackendName {
  return (SERVER_BACKENDS as readonly string[]).includes(b);
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/**
 * The longest wait lem's timers can do: Node's setTimeout takes at most 2^31 − 1 ms and turns
 * anything longer into 1 ms, so every time field is bounded by this (2,147,483 s, 24.8 days).
 */
export const MAX_WAIT_S = Math.floor((2 ** 31 - 1) / 1000);
/** A duration in seconds lem waits for (with a timer): at most MAX_WAIT_S. */
const waitS = () => z.number().max(MAX_WAIT_S, `at most ${MAX_WAIT_S} s (24.8 days, the longest wait Node's timers can do)`);

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

/** The longest synthetic prompt (2^20 tokens, beyond any model's context): a prompt is held in memory whole. */
export const MAX_SYNTHETIC_TOKENS = 1_048_576;

/** Length distribution of the synthetic prompts, in (approximate) tokens. */
export const SyntheticLengthSchema = z
  .object({
    distribution: z.enum(["fixed", "uniform", "normal", "lognormal"]).default("lognormal"),
    meanTokens: z.number().int().positive().max(MAX_SYNTHETIC_TOKENS).default(256),
    /** Standard deviation (normal, lognormal) in tokens; ignored by fixed and uniform. */
    stddevTokens: z.number().nonnegative().default(64),
    /** Bounds (uniform draws between them; the others are clipped to them). */
    minTokens: z.number().int().positive().max(MAX_SYNTHETIC_TOKENS).default(16),
    maxTokens: z.number().int().positive().max(MAX_SYNTHETIC_TOKENS).default(1024),
  })
  .strict()
  .refine((l) => l.minTokens <= l.maxTokens, { message: "minTokens must not exceed maxTokens", path: ["minTokens"] });

export const DatasetSchema = z
  .object({
    /** "synthetic" (generated deterministically, no download) or the path of a JSONL file. */
    source: z.string().min(1).default("synthetic"),
    prompts: z.number().int().positive().default(64),
    /** The most prompts `prompts` may ask for (each is held in memory); raise it for a dataset that large. */
    maxPrompts: z.number().int().positive().default(DEFAULT_MAX_PROMPTS),
    /** file: as in the file; shuffled: seeded shuffle; grouped: records with the same `groupBy` value together. */
    order: z.enum(["file", "shuffled", "grouped"]).default("file"),
    seed: z.number().int().nonnegative().default(0),
    groupBy: z.string().optional(),
    /** JSONL field holding the prompt; default the first of prompt, text, instruction, input, question. */
    field: z.string().min(1).optional(),
    synthetic: SyntheticLengthSchema.default(SyntheticLengthSchema.parse({})),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.prompts > d.maxPrompts) {
      ctx.addIssue({
        code: "custom",
        path: ["prompts"],
        message: `${d.prompts} prompts is more than dataset.maxPrompts (${d.maxPrompts}), and every prompt is held in memory: ask for fewer, or raise dataset.maxPrompts to at least ${d.prompts} if you mean it`,
      });
    }
    if (d.order === "grouped" && !d.groupBy) {
      ctx.addIssue({ code: "custom", path: ["groupBy"], message: 'order "grouped" needs groupBy (the field to group records by)' });
    }
  });

export const GenerationSchema = z
  .object({
    /** Prompts longer than this are truncated (exactly by engines with a tokenizer, approximately otherwise). */
    maxInputTokens: z.number().int().positive().default(512),
    maxOutputTokens: z.number().int().positive().default(128),
    /** 0 = greedy decoding. */
    temperature: z.number().nonnegative().default(0),
    topP: z.number().gt(0).max(1).default(1),
    /** Seed of sampled decoding, where the engine takes one. */
    seed: z.number().int().nonnegative().default(0),
    /** Generate maxOutputTokens whatever the model says (engines that support it: vLLM, SGLang, TGI, llama.cpp). */
    ignoreEos: z.boolean().default(false),
  })
  .strict();

/** How lem drives an OpenAI-compatible server (server backends). */
export const WorkloadSchema = z
  .object({
    /** Requests in flight at most. */
    concurrency: z.number().int().positive().default(8),
    /** Mean request rate (requests/s) with Poisson arrivals, seeded from generation.seed; absent = as fast as concurrency allows. */
    requestRate: z.number().positive().optional(),
    /** OpenAI endpoint: /v1/completions or /v1/chat/completions. */
    api: z.enum(["completions", "chat"]).default("completions"),
    stream: z.boolean().default(true),
    requestTimeoutS: waitS().positive().default(600),
    /** Also account the steady-state window (ML.ENERGY benchmark): from the first instant `concurrency` requests are generating at once to the end of the (N − concurrency + 1)-th to finish. */
    steadyState: z.boolean().default(false),
    /** cold: the engine's prompt cache is emptied before each window by the engine's own mechanism (docs/backends.md); warm: left as it is. */
    cache: z.enum(["cold", "warm"]).default("cold"),
  })
  .strict();

const engineArg = z.union([z.string(), z.number(), z.boolean()]);

/** An OpenAI-compatible server: started by lem (engine template or `argv`) or attached at `url`. */
export const ServerSchema = z
  .object({
    /** Attach to a server already running here (lem neither starts nor stops it). */
    url: z.url().optional(),
    /** The launch command (backend "openai"); `{model}`, `{host}`, `{port}` and params are filled in. Engine backends have a template. */
    argv: z.array(z.string().min(1)).min(1).optional(),
    /** The engine's program in its template, e.g. /opt/llama.cpp/bin/llama-server (default: the engine's name on PATH; sglang: its Python). */
    executable: z.string().min(1).optional(),
    /** Engine flags, written `--key value` (true: `--key`; false: left out), e.g. {max-num-seqs: 64}. */
    engineArgs: z.record(z.string(), engineArg).default({}),
    /** Arguments appended verbatim to the launch command. */
    extraArgs: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    host: z.string().default("127.0.0.1"),
    /** 0: lem picks a free port. */
    port: z.number().int().min(0).max(65535).default(0),
    /** Model name the server is asked for (default: the model). */
    servedModelName: z.string().optional(),
    /** Health path polled until ready (default per engine: /health, or /v1/models). */
    healthPath: z.string().startsWith("/").optional(),
    readyTimeoutS: waitS().positive().default(900),
    /** Grace between SIGTERM and SIGKILL of the server's process group. */
    shutdownGraceS: waitS().nonnegative().default(30),
  })
  .strict();

export const TransformersSchema = z
  .object({
    /** The Python with torch and transformers; default $LEM_PYTHON, then python3 on PATH. */
    python: z.string().min(1).optional(),
    dtype: z.enum(["auto", "float16", "bfloat16", "float32"]).default("auto"),
    deviceMap: z.string().default("auto"),
    attnImplementation: z.enum(["eager", "sdpa", "flash_attention_2"]).optional(),
    batchSize: z.number().int().positive().default(1),
    trustRemoteCode: z.boolean().default(false),
  })
  .strict();

export const LlamaCppSchema = z
  .object({
    /** Layers offloaded to the GPU: "auto", "max" or a number (0 = CPU only). */
    gpuLayers: z.union([z.enum(["auto", "max"]), z.number().int().nonnegative()]).default("auto"),
    contextSize: z.number().int().positive().default(4096),
    /** Sequences decoded together (llama.cpp parallel sequences). */
    batchSize: z.number().int().positive().default(1),
    threads: z.number().int().positive().optional(),
  })
  .strict();

/** Runs the backend's child (or server) inside a container image. */
export const DockerSchema = z
  .object({
    image: z.string().min(1),
    /** Pull policy before the study: missing (default), always, never. */
    pull: z.enum(["missing", "always", "never"]).default("missing"),
    /** A file of KEY=VALUE lines passed with --env-file (secrets stay out of argv and results). */
    envFile: z.string().optional(),
    /** Host paths mounted read-only at the same path (models, datasets). */
    mounts: z.array(z.string().min(1)).default([]),
    extraArgs: z.array(z.string()).default([]),
    /** The docker executable. */
    docker: z.string().default("docker"),
  })
  .strict();

export const SettlingSchema = z
  .object({
    /** thermal: wait until power and temperature are back near the baseline; gap: fixed pause; none. */
    mode: z.enum(["thermal", "gap", "none"]).default("thermal"),
    gapS: waitS().nonnegative().default(0),
    maxWaitS: waitS().positive().default(120),
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
    residualMemoryWaitS: waitS().nonnegative().default(10),
    /** Delay each run's start by a random fraction of the 100 ms power-sensor period: on, off, or auto (unless the configuration's previous window lasted 30 s or more). */
    phaseShift: z.enum(["auto", "on", "off"]).default("auto"),
  })
  .strict();

export const ExperimentSchema = z
  .object({
    /** A readable name; default derived from the model and the swept values. */
    name: z.string().min(1).optional(),
    model: z.string().min(1),
    backend: z.enum(BACKENDS),
    command: CommandBackendSchema.optional(),
    server: ServerSchema.optional(),
    workload: WorkloadSchema.default(WorkloadSchema.parse({})),
    transformers: TransformersSchema.optional(),
    llamacpp: LlamaCppSchema.optional(),
    docker: DockerSchema.optional(),
    /** Free-form engine parameters (batch_size, precision, concurrency, ...), swept like any field. */
    params: z.record(z.string(), scalar).default({}),
    dataset: DatasetSchema.default(DatasetSchema.parse({})),
    generation: GenerationSchema.default(GenerationSchema.parse({})),
    measurement: MeasurementSchema.default(MeasurementSchema.parse({})),
    /** GPUs as CUDA_VISIBLE_DEVICES lists them; default lem's own. */
    devices: z.string().optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.backend === "command" && !e.command) {
      ctx.addIssue({ code: "custom", path: ["command"], message: 'the "command" backend needs command.argv' });
    }
    if (e.backend === "openai" && !e.server?.url && !e.server?.argv) {
      ctx.addIssue({ code: "custom", path: ["server"], message: 'the "openai" backend needs server.url (attach) or server.argv (a launch command)' });
    }
    if (e.server?.argv && e.backend !== "openai") {
      ctx.addIssue({
        code: "custom",
        path: ["server", "argv"],
        message: `backend "${e.backend}" starts the engine from its own template, so server.argv would be ignored; give the program's path as server.executable and flags as server.engineArgs or server.extraArgs (or use backend "openai" for a launch command of your own)`,
      });
    }
    if (e.server?.executable && e.backend === "openai") {
      ctx.addIssue({ code: "custom", path: ["server", "executable"], message: 'backend "openai" runs server.argv as given: put the program first in server.argv instead of server.executable' });
    }
    if (e.server?.url && e.server.argv) {
      ctx.addIssue({ code: "custom", path: ["server", "url"], message: "give server.url (attach to a running server) or server.argv (lem starts it), not both" });
    }
    if (e.server?.url && e.docker) {
      ctx.addIssue({ code: "custom", path: ["docker"], message: "an attached server (server.url) is not started by lem, so it cannot run in lem's container; remove docker or server.url" });
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
    runTimeoutS: waitS().positive().default(3600),
    /** A child silent (no output, no protocol event) longer than this is stopped. */
    silenceTimeoutS: waitS().positive().default(600),
    /** After this many consecutive failures: pause, one trial run, then stop if it fails too. */
    maxConsecutiveFailures: z.number().int().positive().default(3),
    circuitPauseS: waitS().nonnegative().default(60),
    failFast: z.boolean().default(false),
    /** Wall-clock limit of the whole study. */
    studyTimeoutS: waitS().positive().optional(),
    /** Planned runs (sweep points × cycles) the study may have, counted before expanding; raise it for a study that large. */
    maxRuns: z.number().int().positive().default(DEFAULT_MAX_RUNS),
    /** local (default) or slurm; absent means local, so that studies written before it keep their hash. */
    executor: z.enum(["local", "slurm"]).optional(),
    slurm: SlurmSchema.optional(),
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
