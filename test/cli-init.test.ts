// `lem init`: what it detects, which starter study it writes, and that the study runs as written.
import { execa } from "execa";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadStudy } from "../lib/config/load.js";
import { chooseTemplate, detectSituation, TEMPLATES, type InitProbes, type TemplateName } from "../lib/cli/init-detect.js";
import { GGUF_PLACEHOLDER, renderTemplate, STARTER_MODEL, workloadHarnessPath } from "../lib/cli/init-templates.js";
import { initHelp } from "../lib/cli/init.js";
import { cleanEnv, lemBin } from "./support/run-lem.js";

interface FakeMachine {
  gpu?: boolean;
  onPath?: string[];
  python?: string[];
  node?: string[];
}

/** Probes of an imagined machine. */
function fakeProbes(m: FakeMachine): InitProbes {
  return {
    gpu: () => (m.gpu ? { present: true, detail: "1 GPU(s), driver 550.54.15" } : { present: false, detail: "NVML is unavailable: no driver" }),
    which: async (name) => ((m.onPath ?? []).includes(name) ? `/usr/bin/${name}` : undefined),
    pythonModules: async (modules) => ({ python: "python3", found: new Set(modules.filter((x) => (m.python ?? []).includes(x))) }),
    nodePackage: (name) => (m.node ?? []).includes(name),
  };
}

const templateFor = async (m: FakeMachine) => chooseTemplate(await detectSituation(fakeProbes(m))).template;

/** Runs the built lem in `cwd`, as a user would there. */
function lemIn(cwd: string, args: string[], extra: Record<string, string> = {}) {
  return execa(process.execPath, [lemBin, ...args], { cwd, env: cleanEnv(extra), extendEnv: false, reject: false });
}

const tempDir = () => mkdtempSync(join(tmpdir(), "lem-init-"));

describe("lem init detection", () => {
  it("without a GPU writes the command study, whatever engines are installed", async () => {
    expect(await templateFor({})).toBe("command");
    expect(await templateFor({ onPath: ["vllm", "llama-server", "docker"], python: ["transformers", "torch"] })).toBe("command");
    const choice = chooseTemplate(await detectSituation(fakeProbes({ onPath: ["vllm"] })));
    expect(choice.why).toBe("no GPU was found, so the study runs lem's own workload on the simulated GPU; with a GPU it would write the vllm study");
  });

  it("with a GPU and no engine writes the command study", async () => {
    expect(await templateFor({ gpu: true })).toBe("command");
  });

  it("with a GPU prefers vllm, then sglang, tgi, trtllm, transformers, vllm in docker, llama-server, node-llama-cpp", async () => {
    const all: FakeMachine = {
      gpu: true,
      onPath: ["vllm", "text-generation-launcher", "trtllm-serve", "llama-server", "docker"],
      python: ["sglang", "transformers", "torch"],
      node: ["node-llama-cpp"],
    };
    expect(await templateFor(all)).toBe("vllm");
    expect(await templateFor({ ...all, onPath: ["text-generation-launcher", "trtllm-serve", "llama-server", "docker"] })).toBe("sglang");
    expect(await templateFor({ gpu: true, onPath: ["text-generation-launcher", "trtllm-serve", "llama-server"] })).toBe("tgi");
    expect(await templateFor({ gpu: true, onPath: ["trtllm-serve", "llama-server"], python: ["transformers", "torch"] })).toBe("trtllm");
    expect(await templateFor({ gpu: true, onPath: ["llama-server", "docker"], python: ["transformers", "torch"] })).toBe("transformers");
    expect(await templateFor({ gpu: true, onPath: ["llama-server", "docker"], node: ["node-llama-cpp"] })).toBe("vllm-docker");
    expect(await templateFor({ gpu: true, onPath: ["llama-server"], node: ["node-llama-cpp"] })).toBe("llama-server");
    expect(await templateFor({ gpu: true, node: ["node-llama-cpp"] })).toBe("llamacpp");
  });

  it("finds vllm as a Python module when it is not on PATH", async () => {
    const d = await detectSituation(fakeProbes({ gpu: true, python: ["vllm"] }));
    expect(d.engines.vllm).toEqual({ found: true, how: "python3: import vllm" });
    expect(chooseTemplate(d)).toEqual({ template: "vllm", why: "a GPU and python3: import vllm were found" });
  });

  it("needs both transformers and torch for the transformers study", async () => {
    const d = await detectSituation(fakeProbes({ gpu: true, python: ["transformers"] }));
    expect(d.engines.transformers).toEqual({ found: false, how: "python3 cannot import torch" });
    expect(chooseTemplate(d).template).toBe("command");
  });

  it("starts every probe before any has answered (they run in parallel)", async () => {
    let started = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = fakeProbes({ gpu: true, onPath: ["vllm"] });
    const probes: InitProbes = {
      gpu: async () => {
        started++;
        await gate;
        return slow.gpu();
      },
      which: async (name) => {
        started++;
        await gate;
        return slow.which(name);
      },
      pythonModules: async (modules) => {
        started++;
        await gate;
        return slow.pythonModules(modules);
      },
      nodePackage: slow.nodePackage,
    };
    const pending = detectSituation(probes);
    await new Promise((r) => setImmediate(r));
    expect(started).toBe(7); // gpu, 5 executables, 1 Python run
    release();
    expect(chooseTemplate(await pending).template).toBe("vllm");
  });
});

describe("lem init templates", () => {
  const expected: Record<TemplateName, { backend: string; model: string; experiments: number; mustEdit: boolean }> = {
    command: { backend: "command", model: "sim/toy-model", experiments: 2, mustEdit: false },
    vllm: { backend: "vllm", model: STARTER_MODEL, experiments: 4, mustEdit: false },
    sglang: { backend: "sglang", model: STARTER_MODEL, experiments: 4, mustEdit: false },
    tgi: { backend: "tgi", model: STARTER_MODEL, experiments: 4, mustEdit: false },
    trtllm: { backend: "trtllm", model: STARTER_MODEL, experiments: 4, mustEdit: false },
    transformers: { backend: "transformers", model: STARTER_MODEL, experiments: 3, mustEdit: false },
    "vllm-docker": { backend: "vllm", model: STARTER_MODEL, experiments: 4, mustEdit: false },
    "llama-server": { backend: "llama-server", model: GGUF_PLACEHOLDER, experiments: 3, mustEdit: true },
    llamacpp: { backend: "llamacpp", model: GGUF_PLACEHOLDER, experiments: 2, mustEdit: true },
  };

  for (const name of TEMPLATES) {
    it(`the ${name} study loads and expands without an invalid point`, async () => {
      const dir = tempDir();
      const file = join(dir, "study.yaml");
      const rendered = renderTemplate(name, { file: "study.yaml", gpu: true, workloadPath: workloadHarnessPath() });
      writeFileSync(file, rendered.yaml);
      const loaded = await loadStudy(file);
      const e = expected[name];
      expect(loaded.expansion.invalid).toEqual([]);
      expect(loaded.expansion.experiments).toHaveLength(e.experiments);
      expect(loaded.expansion.experiments.map((x) => [x.config.backend, x.config.model])).toEqual(Array(e.experiments).fill([e.backend, e.model]));
      expect(rendered.mustEdit !== undefined).toBe(e.mustEdit);
      if (name === "vllm-docker") expect(loaded.expansion.experiments[0]!.config.docker?.image).toBe("vllm/vllm-openai:latest");
    });
  }

  it("the llama.cpp studies say loudly that model must be edited", () => {
    for (const name of ["llama-server", "llamacpp"] as const) {
      const yaml = renderTemplate(name, { file: "s.yaml", gpu: true, workloadPath: "/x" }).yaml;
      expect(yaml).toContain("# !!! EDIT BEFORE RUNNING: set `model` below to the path of a GGUF model file on this !!!");
      expect(yaml).toContain("  # !!! EDIT ME: the GGUF file");
    }
  });
});

describe("lem init on this machine (no GPU)", () => {
  it("writes the command study with the absolute path of lem's workload, and says what to run next", async () => {
    const dir = tempDir();
    const r = await lemIn(dir, ["init"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^lem init looked at this machine:\n  GPU:        none \(NVML is unavailable: .+\)\n/);
    expect(r.stdout).toContain("\nWrote study.yaml: lem's own toy workload (\"command\" backend) on the simulated GPU, 2 batch sizes x 2 cycles.\n");
    // (execa strips the final newline.)
    expect(r.stdout.endsWith("\nNext:\n  LEM_SIMULATE=steady lem run study.yaml")).toBe(true);
    const study = parse(readFileSync(join(dir, "study.yaml"), "utf8")) as { base: { backend: string; command: { argv: string[] } } };
    expect(study.base.backend).toBe("command");
    expect(study.base.command.argv[1]).toBe(workloadHarnessPath());
    expect(existsSync(study.base.command.argv[1]!)).toBe(true);
  });

  it("the written study runs as written on the simulated GPU", { timeout: 180_000 }, async () => {
    const dir = tempDir();
    expect((await lemIn(dir, ["init", "my study.yaml"])).exitCode).toBe(0);
    // The command lem init printed, run from the same directory.
    const r = await lemIn(dir, ["run", "my study.yaml"], { LEM_SIMULATE: "steady", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/lem: study completed: 4 completed; results in .*command-starter_/);
  });

  it("finds Python engines with python3 without importing them", async () => {
    const dir = tempDir();
    // Packages that fail when imported: found all the same, so the probe never imports.
    for (const name of ["vllm", "transformers", "torch"]) {
      mkdirSync(join(dir, "site", name), { recursive: true });
      writeFileSync(join(dir, "site", name, "__init__.py"), 'raise SystemExit("imported")\n');
    }
    const r = await lemIn(dir, ["init"], { PYTHONPATH: join(dir, "site") });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\n {2}found: .*python3: import vllm; .*python3: import transformers, torch/);
    expect(r.stdout).toContain("with a GPU it would write the vllm study.");
  });

  it("quotes a file name with a space in the next command", async () => {
    const dir = tempDir();
    const r = await lemIn(dir, ["init", "my study.yaml"]);
    expect(r.stdout.endsWith("Next:\n  LEM_SIMULATE=steady lem run 'my study.yaml'")).toBe(true);
  });

  it("refuses to replace an existing file without --force, and leaves it untouched", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "study.yaml"), "mine\n");
    const r = await lemIn(dir, ["init"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      "lem: study.yaml already exists; lem init does not replace it. Give another file name (lem init other.yaml), or --force to replace it.",
    );
    expect(readFileSync(join(dir, "study.yaml"), "utf8")).toBe("mine\n");
  });

  it("replaces an existing file with --force", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "study.yaml"), "mine\n");
    const r = await lemIn(dir, ["init", "--force"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "study.yaml"), "utf8")).toMatch(/^# A starter lem study/);
  });

  it("--backend writes that study anyway and warns what is missing", async () => {
    const dir = tempDir();
    const r = await lemIn(dir, ["init", "gpu.yaml", "--backend", "vllm"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: vllm was not found on this machine \(vllm not on PATH, python3 cannot import vllm\); install it before running the study\.\n/);
    expect(r.stderr).toMatch(/\nwarning: the vllm study needs an NVIDIA GPU, and none was found \(NVML is unavailable: .+\)\.$/);
    expect(r.stdout).toContain("Wrote gpu.yaml: Qwen/Qwen2.5-0.5B-Instruct on vLLM, concurrency 1, 4, 16, 64 x 3 cycles.\nWhy: chosen with --backend.");
    expect((await loadStudy(join(dir, "gpu.yaml"))).study.name).toBe("vllm-starter");
  });

  it("--backend llama-server says on stdout that the model must be edited first", async () => {
    const dir = tempDir();
    const r = await lemIn(dir, ["init", "--backend", "llama-server"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "!!! EDIT study.yaml BEFORE RUNNING: set model: in study.yaml to the path of a GGUF model file (it says /path/to/model.gguf); the study cannot run until you do.\n\nThen:\n  lem run study.yaml --dry-run\n",
    );
  });

  it("rejects a backend without a starter study, naming those with one", async () => {
    const r = await lemIn(tempDir(), ["init", "--backend", "openai"]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toBe(
      'lem: --backend "openai" has no starter study; give one of command, vllm, sglang, tgi, trtllm, transformers, llama-server, llamacpp.',
    );
  });

  it("runs every example of its --help", async () => {
    const dir = tempDir();
    const r = await lemIn(dir, ["init", "--help"]);
    expect(r.stdout).toBe(initHelp.trimEnd());
    const examples = initHelp
      .slice(initHelp.indexOf("Examples:"))
      .split("\n")
      .filter((l) => l.startsWith("  lem "))
      .map((l) => l.trim().split(/\s+/).slice(1));
    expect(examples.length).toBe(3);
    for (const args of examples) {
      const run = await lemIn(dir, args);
      expect(run.exitCode, `lem ${args.join(" ")}: ${run.stderr}`).toBe(0);
    }
  });

  it("is listed by lem --help", async () => {
    const r = await lemIn(tempDir(), ["--help"]);
    expect(r.stdout).toContain("  init         write a starter study for this machine\n");
  });
});
