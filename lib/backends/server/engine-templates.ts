/**
 * How each OpenAI-compatible engine is launched: its command line from the experiment's
 * model, host, port and engine flags, the path polled until it serves, and the executable
 * pre-flight looks for. Templates follow each engine's own CLI (checked 2025/2026):
 * - vLLM:         vllm serve MODEL --host H --port P [--served-model-name N]
 * - SGLang:       python3 -m sglang.launch_server --model-path MODEL --host H --port P [--served-model-name N]
 * - TGI:          text-generation-launcher --model-id MODEL --hostname H --port P
 *                 (no served-name flag: TGI's OpenAI routes accept any model name)
 * - llama-server: llama-server -m FILE.gguf | --hf-repo REPO[:QUANT]  --host H --port P [--alias N]
 * - TensorRT-LLM: trtllm-serve MODEL --host H --port P [--served_model_name N]
 * - openai:       the user's own `server.argv`, with {model} {host} {port} filled in.
 */
import type { ServerBackendName } from "../../config/schema.js";
import { InvalidOptionsError } from "../../errors.js";

export type EngineArgValue = string | number | boolean;

export interface ServerLaunchOptions {
  model: string;
  host: string;
  port: number;
  servedModelName?: string;
  /** Rendered `--key value` (true: `--key`; false: left out); a key starting with "-" is used as it is (e.g. `-ngl`). */
  engineArgs: Record<string, EngineArgValue>;
  /** Appended verbatim, after the engine flags. */
  extraArgs: string[];
  /** The launch command of backend "openai", with {model} {host} {port} placeholders. */
  argv?: string[];
  /** Replaces the template's program (server.executable), e.g. a llama-server built in its own directory. */
  executable?: string;
}

/** `{ "max-num-seqs": 64, "enforce-eager": true, "trust-remote-code": false }` -> `--max-num-seqs 64 --enforce-eager`. */
export function renderEngineArgs(engineArgs: Record<string, EngineArgValue>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(engineArgs)) {
    if (value === false) continue;
    const flag = key.startsWith("-") ? key : `--${key}`;
    if (value === true) out.push(flag);
    else out.push(flag, String(value));
  }
  return out;
}

/**
 * llama-server loads a local GGUF file with -m; anything else is taken as a Hugging Face
 * repository (`owner/name` or `owner/name:QUANT`) that llama-server downloads itself.
 */
export function isGgufPath(model: string): boolean {
  return /\.gguf$/i.test(model);
}

const PLACEHOLDER = /(?<!\{)\{(model|host|port)\}(?!\})/g;

/** Fills only lem's server placeholders; `{{`, `}}` and `{params...}` are left for the experiment template filler. */
function fillServerPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (_match, name: string) => values[name]!);
}

/** The engine's launch command as an argument array (never a shell string). */
export function serverLaunchArgv(backend: ServerBackendName, o: ServerLaunchOptions): string[] {
  const port = String(o.port);
  const named = (flag: string) => (o.servedModelName !== undefined ? [flag, o.servedModelName] : []);
  let base: string[];
  switch (backend) {
    case "vllm":
      base = ["vllm", "serve", o.model, "--host", o.host, "--port", port, ...named("--served-model-name")];
      break;
    case "sglang":
      base = ["python3", "-m", "sglang.launch_server", "--model-path", o.model, "--host", o.host, "--port", port, ...named("--served-model-name")];
      break;
    case "tgi":
      base = ["text-generation-launcher", "--model-id", o.model, "--hostname", o.host, "--port", port];
      break;
    case "llama-server":
      base = ["llama-server", ...(isGgufPath(o.model) ? ["-m", o.model] : ["--hf-repo", o.model]), "--host", o.host, "--port", port, ...named("--alias")];
      break;
    case "trtllm":
      base = ["trtllm-serve", o.model, "--host", o.host, "--port", port, ...named("--served_model_name")];
      break;
    case "openai": {
      if (!o.argv || o.argv.length === 0) {
        throw new InvalidOptionsError(
          'backend "openai": server.argv is empty, so lem has no command to start the server. ' +
            "Give server.argv (e.g. [my-server, --model, {model}, --port, {port}]) or server.url to attach to a running server.",
        );
      }
      const values = { model: o.model, host: o.host, port };
      base = o.argv.map((a) => fillServerPlaceholders(a, values));
      break;
    }
  }
  if (o.executable !== undefined && backend !== "openai") base[0] = o.executable;
  return [...base, ...renderEngineArgs(o.engineArgs), ...o.extraArgs];
}

/** The path polled until the server answers 2xx. */
export function defaultHealthPath(backend: ServerBackendName): string {
  return backend === "openai" ? "/v1/models" : "/health";
}

/** The executable pre-flight looks for; null for "openai" (its own argv[0] is checked instead). */
export function engineExecutable(backend: Exclude<ServerBackendName, "openai">): string;
export function engineExecutable(backend: ServerBackendName): string | null;
export function engineExecutable(backend: ServerBackendName): string | null {
  switch (backend) {
    case "vllm":
      return "vllm";
    case "sglang":
      return "python3";
    case "tgi":
      return "text-generation-launcher";
    case "llama-server":
      return "llama-server";
    case "trtllm":
      return "trtllm-serve";
    case "openai":
      return null;
  }
}

/** The Python module an engine started through its interpreter needs (pre-flight import-probes it). */
export function enginePythonModule(backend: ServerBackendName): string | null {
  return backend === "sglang" ? "sglang" : null;
}
