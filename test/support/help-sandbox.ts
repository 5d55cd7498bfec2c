/**
 * A sandbox in which the `--help` examples run as written: the machine they assume (GPUs,
 * a Python environment with the engine, a downloaded model, earlier studies, the user's
 * scripts) stood in for by the simulated GPU and small real files.
 *
 * The template is built once; every example gets its own copy (cheap: a few MiB), so no
 * example sees what another wrote and they can run at the same time.
 */
import { execa } from "execa";
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv, lemBin, repoRoot } from "./run-lem.js";
import { writeStudy } from "./study.js";

/**
 * The machine an example runs on unless it sets LEM_SIMULATE itself: an 8-GPU HGX node, the
 * kind of machine lem is for; examples such as `--devices 0,1` need more than one GPU.
 */
const SANDBOX_MACHINE = "h100x8";

/** The result directories the examples name, and the study each holds. */
const EXAMPLE_STUDIES = [
  // Interrupted after its first run, so that `lem run --resume` has runs left to do.
  { dir: "my-study_20261123-101500", name: "my-study", interrupt: true },
  // The same configurations measured on two days, for `lem results compare`.
  { dir: "a_20261123-101500", name: "a", interrupt: false },
  { dir: "b_20261124-090000", name: "b", interrupt: false },
] as const;

/** Versions of the stand-in engine packages (what `lem env --python` then lists). */
const FAKE_PACKAGES = { vllm: "0.6.3", torch: "2.5.1" } as const;

const MODEL_ID = "meta-llama/Llama-3.1-8B-Instruct";

// A user's generation script: works on the CPU for a moment, the way a decode loop would.
const GENERATE_PY = `"""Generates text with a model (here: a stand-in that spends a moment per token)."""
import argparse
import time

parser = argparse.ArgumentParser()
parser.add_argument("--model", default="facebook/opt-125m")
parser.add_argument("--max-new-tokens", type=int, default=32)
args = parser.parse_args()

start = time.monotonic()
state = 1
for token in range(args.max_new_tokens):
    for _ in range(10_000):  # one decode step's worth of work
        state = (state * 1103515245 + 12345) % 2**31
print(f"{args.model}: {args.max_new_tokens} tokens in {time.monotonic() - start:.2f} s")
`;

// A user's benchmark script: the generation script at two output lengths.
const BENCH_SH = `#!/bin/sh
# Benchmark: generation at two output lengths.
set -e
for tokens in 16 32; do
  python generate.py --max-new-tokens "$tokens"
done
`;

// The system's browser opener, as on a desktop: it only notes what it was asked to open.
const XDG_OPEN = `#!/bin/sh
printf '%s\\n' "$1" >> "$HOME/opened-in-browser.txt"
`;

function writeExecutable(file: string, text: string): void {
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

/** The real interpreter behind python3 on PATH: the sandbox also offers it as `python`, which many machines lack. */
function realPython(): string {
  return execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
}

/**
 * A virtual environment holding stand-ins for vllm and torch. It sees the system's packages,
 * pip among them where the system has it (for `pip freeze`): creating it then takes 0.2 s
 * instead of 5 s for its own pip, and needs no ensurepip (which Debian ships separately).
 */
async function makeEngineVenv(dir: string, python: string): Promise<void> {
  await execa(python, ["-m", "venv", "--without-pip", "--system-site-packages", dir]);
  const version = execFileSync(join(dir, "bin", "python"), ["-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"], {
    encoding: "utf8",
  }).trim();
  const site = join(dir, "lib", `python${version}`, "site-packages");
  for (const [name, v] of Object.entries(FAKE_PACKAGES)) {
    mkdirSync(join(site, name));
    writeFileSync(join(site, name, "__init__.py"), `"""Stand-in for ${name}: importable, reports its version."""\n__version__ = "${v}"\n`);
    const info = join(site, `${name}-${v}.dist-info`);
    mkdirSync(info);
    writeFileSync(join(info, "METADATA"), `Metadata-Version: 2.1\nName: ${name}\nVersion: ${v}\n`);
    writeFileSync(join(info, "INSTALLER"), "pip\n");
    writeFileSync(join(info, "RECORD"), `${name}/__init__.py,,\n${name}-${v}.dist-info/METADATA,,\n`);
  }
}

/** The model as `huggingface-cli download` leaves it in the hub cache (its config, no weights). */
function makeHubCache(home: string): void {
  const repo = join(home, ".cache", "huggingface", "hub", `models--${MODEL_ID.replace("/", "--")}`);
  const revision = "0e9e39f249a16976918f6564b8830bc894c89659";
  mkdirSync(join(repo, "refs"), { recursive: true });
  writeFileSync(join(repo, "refs", "main"), revision);
  mkdirSync(join(repo, "snapshots", revision), { recursive: true });
  writeFileSync(join(repo, "snapshots", revision, "config.json"), `${JSON.stringify({ architectures: ["LlamaForCausalLM"], model_type: "llama" })}\n`);
}

/** Environment of a process in the sandbox `dir` (a copy of the template, or the template's setup). */
export function sandboxEnv(dir: string): Record<string, string> {
  const env = cleanEnv({
    PATH: `${join(dir, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: join(dir, "home"),
    LEM_SIMULATE: SANDBOX_MACHINE,
    LEM_CACHE_DIR: join(dir, "cache"),
    LEM_LOCK_DIR: join(dir, "locks"),
  });
  // The sandbox's HOME decides the Hugging Face cache and the Python environment, not the caller's.
  for (const k of ["HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "XDG_CACHE_HOME", "VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "PYTHONHOME"]) {
    delete env[k];
  }
  return env;
}

/**
 * Runs a small study on the simulated GPU into `resultsDir` and names its directory `dir`, as
 * if it had started then. With `interrupt`, Ctrl-C (SIGINT) reaches lem as soon as the first
 * run has ended, as when a user stops a study.
 */
async function runExampleStudy(root: string, resultsDir: string, study: (typeof EXAMPLE_STUDIES)[number]): Promise<void> {
  // Each setup study gets its own cache and lock directory so that the three can run at once.
  const scratch = mkdtempSync(join(root, `setup-${study.name}-`));
  // The study file stays where it is: the manifest names it, and `lem run --resume` reads it.
  const written = writeStudy({ name: study.name, cycles: 2, sweep: { "params.batch_size": [1, 4] }, prompts: 6, stepMs: 10, baselineS: 0.5 });
  const file = join(scratch, `${study.name}.json`);
  renameSync(written.file, file);
  rmSync(written.dir, { recursive: true });
  const child = execa(process.execPath, [lemBin, "run", file, "--json", "--output", resultsDir], {
    env: sandboxEnv(scratch),
    extendEnv: false,
    reject: false,
    cwd: scratch,
  });
  if (study.interrupt) {
    let events = "";
    let sent = false; // once: a second Ctrl-C makes lem leave at once, without finishing its files
    child.stdout!.on("data", (chunk: Buffer) => {
      events += chunk.toString();
      if (!sent && /"type": ?"run-end"/.test(events)) {
        sent = true;
        child.kill("SIGINT");
      }
    });
  }
  const r = await child;
  const expected = study.interrupt ? 130 : 0;
  if (r.exitCode !== expected) throw new Error(`setup study ${study.name} exited ${r.exitCode} (expected ${expected}): ${r.stderr}`);
  const made = readdirSync(resultsDir).filter((d) => d.startsWith(`${study.name}_`) && !EXAMPLE_STUDIES.some((s) => s.dir === d));
  if (made.length !== 1) throw new Error(`setup study ${study.name}: expected one new directory, found ${made.join(", ")}`);
  renameSync(join(resultsDir, made[0]!), join(resultsDir, study.dir));
}

export interface HelpSandbox {
  /** Where every sandbox of this test file lives (remove it when done). */
  root: string;
  /** The prepared sandbox that each example's copy starts from. */
  template: string;
}

/** Builds the template: the files the examples name, laid out as in lem's package directory. */
export async function prepareHelpSandbox(): Promise<HelpSandbox> {
  const root = mkdtempSync(join(tmpdir(), "lem-help-"));
  try {
    return { root, template: await buildTemplate(root) };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

async function buildTemplate(root: string): Promise<string> {
  const template = join(root, "template");
  const home = join(template, "home");
  for (const d of [join(template, "bin"), join(template, "docs"), join(template, "results"), home]) mkdirSync(d, { recursive: true });

  // `lem` on PATH, and the machine's Python as `python` and `python3`.
  writeExecutable(join(template, "bin", "lem"), `#!/bin/sh\nexec "${process.execPath}" "${lemBin}" "$@"\n`);
  const python = realPython();
  symlinkSync(python, join(template, "bin", "python"));
  symlinkSync(python, join(template, "bin", "python3"));
  writeExecutable(join(template, "bin", "xdg-open"), XDG_OPEN);

  // The example study names harness/node/workload.mjs relative to the package root.
  cpSync(join(repoRoot, "examples"), join(template, "examples"), { recursive: true });
  symlinkSync(join(repoRoot, "harness"), join(template, "harness"));

  writeFileSync(join(template, "generate.py"), GENERATE_PY);
  writeExecutable(join(template, "bench.sh"), BENCH_SH);
  makeHubCache(home);

  // The engine's environments: the project's .venv, and one kept under ~/venvs.
  await Promise.all([
    makeEngineVenv(join(template, ".venv"), python),
    makeEngineVenv(join(home, "venvs", "vllm"), python),
    ...EXAMPLE_STUDIES.map((s) => runExampleStudy(root, join(template, "results"), s)),
  ]);
  return template;
}

/** A fresh copy of the template for one example (about 4 MiB, mostly the studies' reports); `label` only names the directory. */
export async function sandboxFor(s: HelpSandbox, label: string): Promise<string> {
  const dir = await mkdtemp(join(s.root, `${label.replace(/\W+/g, "-").slice(0, 40)}-`));
  // cp(1) in its own process: copies for many examples proceed at once, off this event loop.
  await execa("cp", ["-a", `${s.template}/.`, dir]);
  return dir;
}
