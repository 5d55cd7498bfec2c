/**
 * What `lem init` finds on this machine (a GPU, inference engines, docker) and which starter
 * study fits it. Detection runs over injected probes so tests can fake any machine; the real
 * probes are quick (a PATH lookup, one short Python run, a module resolution) and run in
 * parallel.
 */
import { createRequire } from "node:module";
import { NO_NVML_HINT, nvmlStatus } from "../gpu/provider.js";
import { findOnPath, runCommand } from "../environment/run-command.js";

/** How the probes look at the machine. */
export interface InitProbes {
  /** The GPUs NVML sees (a real GPU only: the simulated one does not count). */
  gpu(): GpuFinding | Promise<GpuFinding>;
  /** The absolute path of an executable on PATH, or undefined. */
  which(name: string): Promise<string | undefined>;
  /** Which of `modules` the Python interpreter can import (found, not imported), and which interpreter was asked. */
  pythonModules(modules: readonly string[]): Promise<{ python: string; found: ReadonlySet<string> }>;
  /** Whether a Node package resolves from lem's own package. */
  nodePackage(name: string): boolean;
}

export interface GpuFinding {
  /** A real GPU (NVML available, not simulated, at least one device). */
  present: boolean;
  /** In words: "2 GPU(s), driver 550.54.15", or why there is none ("NVML is unavailable: ..."). */
  detail: string;
}

export const ENGINES = ["vllm", "sglang", "tgi", "trtllm", "transformers", "llama-server", "node-llama-cpp", "docker"] as const;
export type EngineId = (typeof ENGINES)[number];

export interface EngineFinding {
  found: boolean;
  /** How it was found ("vllm on PATH (/usr/bin/vllm)", "python3: import sglang") or what was looked for. */
  how: string;
}

export interface InitDetection {
  gpu: GpuFinding;
  engines: Record<EngineId, EngineFinding>;
}

/** The starter studies `lem init` writes. */
export const TEMPLATES = ["command", "vllm", "sglang", "tgi", "trtllm", "transformers", "vllm-docker", "llama-server", "llamacpp"] as const;
export type TemplateName = (typeof TEMPLATES)[number];

/**
 * With a GPU, the first template whose engine was found, in this order: server engines
 * (vLLM first), then transformers, then vLLM in docker, then the llama.cpp ones last because
 * their study names a model file the user must edit. Without a GPU (or nothing found): the
 * command study on the simulated GPU.
 */
const PREFERENCE: readonly { template: TemplateName; engine: EngineId }[] = [
  { template: "vllm", engine: "vllm" },
  { template: "sglang", engine: "sglang" },
  { template: "tgi", engine: "tgi" },
  { template: "trtllm", engine: "trtllm" },
  { template: "transformers", engine: "transformers" },
  { template: "vllm-docker", engine: "docker" },
  { template: "llama-server", engine: "llama-server" },
  { template: "llamacpp", engine: "node-llama-cpp" },
];

/** The template's engine, if it needs one. */
export function engineOf(template: TemplateName): EngineId | undefined {
  return PREFERENCE.find((p) => p.template === template)?.engine;
}

export interface TemplateChoice {
  template: TemplateName;
  /** Why this one, in a sentence. */
  why: string;
}

/** Picks the starter study for what was detected (a pure function). */
export function chooseTemplate(d: InitDetection): TemplateChoice {
  const found = PREFERENCE.filter((p) => d.engines[p.engine].found);
  if (!d.gpu.present) {
    const also = found.length ? `; with a GPU it would write the ${found[0]!.template} study` : "";
    return { template: "command", why: `no GPU was found, so the study runs lem's own workload on the simulated GPU${also}` };
  }
  const first = found[0];
  if (!first) return { template: "command", why: "a GPU was found but no inference engine, so the study runs lem's own workload" };
  return { template: first.template, why: `a GPU and ${d.engines[first.engine].how} were found` };
}

/** Probes every engine in parallel. */
export async function detectSituation(probes: InitProbes): Promise<InitDetection> {
  const [gpu, vllm, tgi, trtllm, llamaServer, docker, python] = await Promise.all([
    probes.gpu(),
    probes.which("vllm"),
    probes.which("text-generation-launcher"),
    probes.which("trtllm-serve"),
    probes.which("llama-server"),
    probes.which("docker"),
    probes.pythonModules(["vllm", "sglang", "transformers", "torch"]),
  ]);
  const onPath = (name: string, path: string | undefined, what = name): EngineFinding =>
    path ? { found: true, how: `${what} on PATH (${path})` } : { found: false, how: `${what} not on PATH` };
  const py = (modules: string[]): EngineFinding =>
    modules.every((m) => python.found.has(m))
      ? { found: true, how: `${python.python}: import ${modules.join(", ")}` }
      : { found: false, how: `${python.python} cannot import ${modules.filter((m) => !python.found.has(m)).join(", ")}` };
  const llamaCpp = probes.nodePackage("node-llama-cpp");
  return {
    gpu,
    engines: {
      vllm: vllm ? onPath("vllm", vllm) : python.found.has("vllm") ? py(["vllm"]) : { found: false, how: `vllm not on PATH, ${py(["vllm"]).how}` },
      sglang: py(["sglang"]),
      tgi: onPath("text-generation-launcher", tgi),
      trtllm: onPath("trtllm-serve", trtllm),
      transformers: py(["transformers", "torch"]),
      "llama-server": onPath("llama-server", llamaServer),
      "node-llama-cpp": llamaCpp ? { found: true, how: "node-llama-cpp (Node package)" } : { found: false, how: "node-llama-cpp not installed" },
      docker: onPath("docker", docker, "the docker CLI"),
    },
  };
}

// ---- the real probes ----

const PYTHON_TIMEOUT_MS = 5000;

/** find_spec looks a module up without importing it: quick, and no CUDA initialisation. */
const FIND_MODULES =
  "import importlib.util, json, sys\n" +
  "print(json.dumps([m for m in sys.argv[1:] if importlib.util.find_spec(m) is not None]))";

function realGpu(): GpuFinding {
  try {
    const s = nvmlStatus();
    if (!s.available) return { present: false, detail: (s.reason ?? "NVML is unavailable").replace(NO_NVML_HINT, "").trim().replace(/\.$/, "") };
    if (s.simulated) return { present: false, detail: `only lem's simulated GPU (${s.source ?? "simulated"}), selected with --simulate or LEM_SIMULATE` };
    const count = s.deviceCount ?? 0;
    if (count === 0) return { present: false, detail: "NVML sees no device" };
    return { present: true, detail: `${count} GPU(s), driver ${s.driverVersion ?? "unknown"}` };
  } catch (error) {
    return { present: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

async function realPythonModules(modules: readonly string[]): Promise<{ python: string; found: ReadonlySet<string> }> {
  // The interpreter the transformers backend uses by default.
  const python = process.env.LEM_PYTHON || "python3";
  const r = await runCommand(python, ["-c", FIND_MODULES, ...modules], {
    timeoutMs: PYTHON_TIMEOUT_MS,
    // Nothing a probe does may touch a GPU.
    env: { ...process.env, CUDA_VISIBLE_DEVICES: "" },
  });
  if (!r.ok) return { python, found: new Set() };
  try {
    const list = JSON.parse(r.stdout.trim().split("\n").pop() ?? "[]") as unknown;
    return { python, found: new Set(Array.isArray(list) ? list.filter((m): m is string => typeof m === "string") : []) };
  } catch {
    return { python, found: new Set() };
  }
}

function realNodePackage(name: string): boolean {
  try {
    // Resolved from this file, so from lem's own package and its node_modules, as lem's
    // harness resolves it (node-llama-cpp's "exports" have a "node" condition require matches).
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** The probes of this machine. */
export function machineProbes(): InitProbes {
  return { gpu: realGpu, which: (name) => findOnPath(name), pythonModules: realPythonModules, nodePackage: realNodePackage };
}
