// Launch commands of each OpenAI-compatible engine, exactly as lem runs them.
import { describe, expect, it } from "vitest";
import { ExperimentSchema, SERVER_BACKENDS } from "../lib/config/schema.js";
import { InvalidOptionsError } from "../lib/errors.js";
import {
  defaultHealthPath,
  engineExecutable,
  enginePythonModule,
  renderEngineArgs,
  serverLaunchArgv,
  type ServerLaunchOptions,
} from "../lib/backends/server/engine-templates.js";

const base: ServerLaunchOptions = {
  model: "meta-llama/Llama-3.1-8B-Instruct",
  host: "127.0.0.1",
  port: 8123,
  engineArgs: {},
  extraArgs: [],
};
const withFlags: ServerLaunchOptions = {
  ...base,
  servedModelName: "llama",
  engineArgs: { "max-num-seqs": 64, "gpu-memory-utilization": 0.9, "enforce-eager": true, "trust-remote-code": false, dtype: "bfloat16" },
  extraArgs: ["--seed", "7"],
};

describe("serverLaunchArgv", () => {
  it("vLLM: vllm serve MODEL --host --port", () => {
    expect(serverLaunchArgv("vllm", base)).toEqual(["vllm", "serve", "meta-llama/Llama-3.1-8B-Instruct", "--host", "127.0.0.1", "--port", "8123"]);
  });

  it("vLLM: served model name, engine flags in order, then the extra arguments", () => {
    expect(serverLaunchArgv("vllm", withFlags)).toEqual([
      "vllm", "serve", "meta-llama/Llama-3.1-8B-Instruct", "--host", "127.0.0.1", "--port", "8123",
      "--served-model-name", "llama",
      "--max-num-seqs", "64", "--gpu-memory-utilization", "0.9", "--enforce-eager", "--dtype", "bfloat16",
      "--seed", "7",
    ]);
  });

  it("SGLang: python3 -m sglang.launch_server --model-path MODEL --host --port [--served-model-name]", () => {
    expect(serverLaunchArgv("sglang", { ...base, servedModelName: "llama" })).toEqual([
      "python3", "-m", "sglang.launch_server", "--model-path", "meta-llama/Llama-3.1-8B-Instruct",
      "--host", "127.0.0.1", "--port", "8123", "--served-model-name", "llama",
    ]);
  });

  it("TGI: text-generation-launcher --model-id --hostname --port, and no served-name flag (TGI has none)", () => {
    expect(serverLaunchArgv("tgi", { ...base, servedModelName: "llama", engineArgs: { "max-batch-total-tokens": 16000 } })).toEqual([
      "text-generation-launcher", "--model-id", "meta-llama/Llama-3.1-8B-Instruct", "--hostname", "127.0.0.1", "--port", "8123",
      "--max-batch-total-tokens", "16000",
    ]);
  });

  it("llama-server: a .gguf file is loaded with -m, the served name is --alias", () => {
    expect(serverLaunchArgv("llama-server", { ...base, model: "/models/qwen2.5-0.5b-q4_k_m.GGUF", servedModelName: "qwen" })).toEqual([
      "llama-server", "-m", "/models/qwen2.5-0.5b-q4_k_m.GGUF", "--host", "127.0.0.1", "--port", "8123", "--alias", "qwen",
    ]);
  });

  it("llama-server: anything else is a Hugging Face repository (--hf-repo), short flags kept as written", () => {
    expect(serverLaunchArgv("llama-server", { ...base, model: "ggml-org/gemma-3-1b-it-GGUF:Q4_K_M", engineArgs: { "-ngl": 99, "ctx-size": 4096 } })).toEqual([
      "llama-server", "--hf-repo", "ggml-org/gemma-3-1b-it-GGUF:Q4_K_M", "--host", "127.0.0.1", "--port", "8123", "-ngl", "99", "--ctx-size", "4096",
    ]);
  });

  it("TensorRT-LLM: trtllm-serve MODEL --host --port [--served_model_name]", () => {
    expect(serverLaunchArgv("trtllm", { ...base, servedModelName: "llama", engineArgs: { max_batch_size: 32 } })).toEqual([
      "trtllm-serve", "meta-llama/Llama-3.1-8B-Instruct", "--host", "127.0.0.1", "--port", "8123", "--served_model_name", "llama", "--max_batch_size", "32",
    ]);
  });

  it("openai: the user's argv with {model} {host} {port} filled, other braces left for the experiment's template", () => {
    const argv = ["my-server", "--model={model}", "--listen", "{host}:{port}", "--batch", "{params.batch}", "{{port}}"];
    expect(serverLaunchArgv("openai", { ...base, argv, engineArgs: { verbose: true }, extraArgs: ["--x"] })).toEqual([
      "my-server", "--model=meta-llama/Llama-3.1-8B-Instruct", "--listen", "127.0.0.1:8123", "--batch", "{params.batch}", "{{port}}", "--verbose", "--x",
    ]);
  });

  it("openai without argv is a typed error that says what to give", () => {
    const attempt = () => serverLaunchArgv("openai", base);
    expect(attempt).toThrow(InvalidOptionsError);
    expect(attempt).toThrow(/server\.argv is empty.*Give server\.argv .* or server\.url/);
  });
});

describe("renderEngineArgs", () => {
  it("writes --key value, --key for true, nothing for false, keys as written", () => {
    expect(renderEngineArgs({ max_num_seqs: 8, "kv-cache-dtype": "fp8", "enable-prefix-caching": true, "disable-log-stats": false })).toEqual([
      "--max_num_seqs", "8", "--kv-cache-dtype", "fp8", "--enable-prefix-caching",
    ]);
  });
});

describe("engine facts for pre-flight and readiness", () => {
  it("health paths: /health for every engine, /v1/models for a generic OpenAI server", () => {
    expect(Object.fromEntries(SERVER_BACKENDS.map((b) => [b, defaultHealthPath(b)]))).toEqual({
      vllm: "/health",
      sglang: "/health",
      tgi: "/health",
      "llama-server": "/health",
      trtllm: "/health",
      openai: "/v1/models",
    });
  });

  it("executables: what each template runs first; none for openai (its argv[0] is checked)", () => {
    expect(Object.fromEntries(SERVER_BACKENDS.map((b) => [b, engineExecutable(b)]))).toEqual({
      vllm: "vllm",
      sglang: "python3",
      tgi: "text-generation-launcher",
      "llama-server": "llama-server",
      trtllm: "trtllm-serve",
      openai: null,
    });
    expect(enginePythonModule("sglang")).toBe("sglang");
    expect(enginePythonModule("vllm")).toBeNull();
  });

  it("every template starts with the executable pre-flight checks", () => {
    for (const b of SERVER_BACKENDS.filter((x) => x !== "openai")) {
      expect(serverLaunchArgv(b, base)[0]).toBe(engineExecutable(b));
    }
  });
});

describe("server.executable and server.argv", () => {
  it("server.executable replaces the template's program (a llama-server built in its own directory)", () => {
    expect(serverLaunchArgv("llama-server", { ...base, model: "/m/tiny.gguf", executable: "/opt/llama.cpp/bin/llama-server" })).toEqual([
      "/opt/llama.cpp/bin/llama-server", "-m", "/m/tiny.gguf", "--host", "127.0.0.1", "--port", "8123",
    ]);
  });

  it("rejects server.argv for an engine backend, which would ignore it, and says what to use", () => {
    const r = ExperimentSchema.safeParse({ model: "m.gguf", backend: "llama-server", server: { argv: ["/opt/llama-server", "-m", "{model}"] } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({
      path: ["server", "argv"],
      message: expect.stringMatching(/^backend "llama-server" starts the engine from its own template, so server.argv would be ignored; give the program's path as server.executable/),
    });
  });

  it("rejects server.executable for backend openai, whose program is server.argv[0]", () => {
    const r = ExperimentSchema.safeParse({ model: "m", backend: "openai", server: { argv: ["srv"], executable: "/x" } });
    expect(r.error!.issues[0]!.path).toEqual(["server", "executable"]);
  });
});
