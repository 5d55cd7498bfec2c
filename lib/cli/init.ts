/** `lem init [FILE] [--backend NAME] [--force]`: write a starter study for this machine. */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { LemError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import {
  chooseTemplate,
  detectSituation,
  engineOf,
  ENGINES,
  machineProbes,
  type InitDetection,
  type InitProbes,
  type TemplateChoice,
  type TemplateName,
} from "./init-detect.js";
import { renderTemplate, STARTER_MODEL, workloadHarnessPath } from "./init-templates.js";
import { UsageError } from "./output.js";

/** The backends `--backend` accepts: those with a starter study. */
export const INIT_BACKENDS = ["command", "vllm", "sglang", "tgi", "trtllm", "transformers", "llama-server", "llamacpp"] as const satisfies readonly TemplateName[];

export const DEFAULT_STUDY_FILE = "study.yaml";

export const initHelp = `Usage: lem init [FILE] [--backend NAME] [--force]

Write a starter study for this machine: YAML with a comment on every field. lem looks for
a GPU and for inference engines (vLLM, SGLang, TGI, TensorRT-LLM, transformers,
llama-server, node-llama-cpp, docker), writes the study that fits, and prints what it found
and the command to run next:

  no GPU, or no engine   lem's own toy workload ("command" backend), on the simulated GPU
                         when there is no GPU: LEM_SIMULATE=steady lem run FILE
  vllm, sglang, tgi,     ${STARTER_MODEL} served by that engine, swept over concurrency
  trtllm                 (the first found, in that order)
  transformers           the same model with transformers, swept over batch size
  docker, no engine      vLLM in its container image
  llama-server,          a GGUF model: the study says model: /path/to/model.gguf, which you
  node-llama-cpp         must edit before it runs (chosen only when nothing else was found);
                         every other study runs as written

FILE defaults to ${DEFAULT_STUDY_FILE}. An existing file is never replaced without --force.

Options:
  --backend NAME  write the study of this backend whatever was found:
                  ${INIT_BACKENDS.join(", ")}
  --force         replace FILE if it exists
  -h, --help      show this help

Examples:
  lem init
  lem init gpu-study.yaml --backend vllm
  lem init --force
`;

/** The study file exists and --force was not given. */
export class StudyFileExistsError extends LemError {
  readonly file: string;
  constructor(file: string) {
    super(
      "LEM_INIT_EXISTS",
      `${file} already exists; lem init does not replace it. Give another file name (lem init other.yaml), or --force to replace it.`,
    );
    this.file = file;
  }
}

const ENGINE_LABEL: Record<(typeof ENGINES)[number], string> = {
  vllm: "vllm",
  sglang: "sglang",
  tgi: "tgi (text-generation-launcher)",
  trtllm: "trtllm (trtllm-serve)",
  transformers: "transformers + torch",
  "llama-server": "llama-server",
  "node-llama-cpp": "node-llama-cpp",
  docker: "docker",
};

/** What was detected, for a person. */
export function describeDetection(d: InitDetection): string[] {
  const found = ENGINES.filter((e) => d.engines[e].found);
  const missing = ENGINES.filter((e) => !d.engines[e].found);
  return [
    `  GPU:        ${d.gpu.present ? d.gpu.detail : `none (${d.gpu.detail})`}`,
    `  found:      ${found.length ? found.map((e) => d.engines[e].how).join("; ") : "no inference engine"}`,
    ...(missing.length ? [`  not found:  ${missing.map((e) => ENGINE_LABEL[e]).join(", ")}`] : []),
  ];
}

function parseBackend(name: string | undefined): TemplateName | undefined {
  if (name === undefined) return undefined;
  if ((INIT_BACKENDS as readonly string[]).includes(name)) return name as TemplateName;
  throw new UsageError(`--backend "${name}" has no starter study; give one of ${INIT_BACKENDS.join(", ")}.`);
}

export interface InitOptions {
  file: string;
  force: boolean;
  backend?: TemplateName | undefined;
  probes?: InitProbes;
}

export interface InitOutcome {
  path: string;
  choice: TemplateChoice;
  detection: InitDetection;
  lines: string[];
  warnings: string[];
}

/** Detects, chooses, writes the study; returns what to print. */
export async function initStudy(o: InitOptions): Promise<InitOutcome> {
  const path = resolve(o.file);
  if (existsSync(path) && !o.force) throw new StudyFileExistsError(o.file);
  const detection = await detectSituation(o.probes ?? machineProbes());
  const choice: TemplateChoice = o.backend ? { template: o.backend, why: "chosen with --backend" } : chooseTemplate(detection);
  const workloadPath = workloadHarnessPath();
  const rendered = renderTemplate(choice.template, { file: o.file, gpu: detection.gpu.present, workloadPath });
  const warnings: string[] = [];
  const engine = engineOf(choice.template);
  if (o.backend && engine && !detection.engines[engine].found) {
    warnings.push(`${ENGINE_LABEL[engine]} was not found on this machine (${detection.engines[engine].how}); install it before running the study.`);
  }
  if (o.backend && choice.template !== "command" && !detection.gpu.present) {
    warnings.push(`the ${choice.template} study needs an NVIDIA GPU, and none was found (${detection.gpu.detail}).`);
  }
  if (choice.template === "command" && !existsSync(workloadPath)) {
    warnings.push(`lem's workload harness is missing at ${workloadPath}; reinstall lem, or the study will not run.`);
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, rendered.yaml);
  const lines = [
    "lem init looked at this machine:",
    ...describeDetection(detection),
    "",
    `Wrote ${o.file}: ${rendered.summary}.`,
    `Why: ${choice.why}.`,
  ];
  if (rendered.mustEdit) lines.push("", `!!! EDIT ${o.file} BEFORE RUNNING: ${rendered.mustEdit}.`);
  lines.push("", rendered.mustEdit ? "Then:" : "Next:", ...rendered.next.map((c) => `  ${c}`));
  return { path, choice, detection, lines, warnings };
}

export async function runInit(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      backend: { type: "string" },
      force: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(initHelp);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`lem init takes one file name, got: ${positionals.join(" ")}`);
  const outcome = await initStudy({
    file: positionals[0] ?? DEFAULT_STUDY_FILE,
    force: values.force ?? false,
    backend: parseBackend(values.backend),
  });
  for (const w of outcome.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(`${outcome.lines.join("\n")}\n`);
  return 0;
}
