/**
 * The backend side's Python: its interpreter, version and installed packages (`pip freeze`),
 * and the conda environment's packages when one is active. Never throws: what cannot be
 * gathered becomes `{ error }` naming the command and why.
 */
import { findOnPath, runCommand } from "./run-command.js";
import type { CondaPackage, CondaPart, Package, PythonPart } from "./schema.js";

export const DEFAULT_COMMAND_TIMEOUT_MS = 20_000;

export interface PythonPackagesOptions {
  /** The engine's interpreter. Default: python3 on PATH. */
  python?: string;
  /** Time limit for each command. Default 20 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Runs the interpreter through another program, e.g. `docker run --rm --entrypoint python3 IMAGE`: `python` is then that program and these its arguments before the interpreter's own. */
  argvPrefix?: string[];
}

// One line each, so a fake or odd interpreter that prints only the version still parses.
const INTERPRETER_PROBE = "import platform, sys; print(platform.python_version()); print(sys.executable)";

/** Quiet, offline pip: no version check against the network, no prompts. */
function pipEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INPUT: "1", PYTHONDONTWRITEBYTECODE: "1" };
}

export async function collectPython(options: PythonPackagesOptions = {}): Promise<PythonPart> {
  const env = options.env ?? process.env;
  const python = options.python ?? "python3";
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const prefix = options.argvPrefix ?? [];
  const [probe, freeze] = await Promise.all([
    runCommand(python, [...prefix, "-c", INTERPRETER_PROBE], { timeoutMs, env }),
    runCommand(python, [...prefix, "-m", "pip", "freeze"], { timeoutMs, env: pipEnv(env) }),
  ]);
  if (!probe.ok) return { interpreter: python, error: probe.reason };
  const [first = "", second = ""] = probe.stdout.split("\n").map((l) => l.trim());
  const version = first.replace(/^Python\s+/i, "");
  const interpreter = second.startsWith("/") ? second : ((await findOnPath(python, env)) ?? python);
  if (!/^\d+\.\d+/.test(version)) {
    return { interpreter, error: `\`${python} -c ...\` printed no Python version (got ${JSON.stringify(first)}); is ${python} a Python interpreter?` };
  }
  if (!freeze.ok) return { interpreter, version, error: `${freeze.reason} (is pip installed for this Python?)` };
  return { interpreter, version, packages: parsePipFreeze(freeze.stdout) };
}

/**
 * `name==version` lines become {name, version}; anything else that names a package
 * (`-e git+...`, `name @ file:///...`) is kept verbatim as the name with version null.
 */
export function parsePipFreeze(text: string): Package[] {
  const packages: Package[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*===?\s*(\S+)$/.exec(line);
    packages.push(m ? { name: m[1]!, version: m[2]! } : { name: line, version: null });
  }
  return packages;
}

export interface CondaOptions {
  /** The conda environment; default $CONDA_PREFIX. */
  prefix?: string;
  /** The conda executable; default $CONDA_EXE, else conda on PATH. */
  conda?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** `conda list --json` of the active environment; undefined when no conda environment is active. */
export async function collectConda(options: CondaOptions = {}): Promise<CondaPart | undefined> {
  const env = options.env ?? process.env;
  const prefix = options.prefix ?? env.CONDA_PREFIX?.trim();
  if (!prefix) return undefined;
  const conda = options.conda ?? (env.CONDA_EXE?.trim() || "conda");
  const r = await runCommand(conda, ["list", "--json", "--prefix", prefix], {
    timeoutMs: options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    env,
  });
  if (!r.ok) return { prefix, error: r.reason };
  const packages = parseCondaList(r.stdout);
  if (packages === null) return { prefix, error: `\`${conda} list --json\` printed something that is not a JSON list of packages` };
  return { prefix, packages };
}

/** The JSON of `conda list --json`; null when it is not a list of packages. */
export function parseCondaList(text: string): CondaPackage[] | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(data)) return null;
  const packages: CondaPackage[] = [];
  for (const entry of data) {
    if (typeof entry !== "object" || entry === null) continue;
    const e = entry as Record<string, unknown>;
    if (typeof e.name !== "string") continue;
    packages.push({
      name: e.name,
      version: typeof e.version === "string" ? e.version : null,
      ...(typeof e.channel === "string" ? { channel: e.channel } : {}),
      ...(typeof e.build_string === "string" ? { build: e.build_string } : {}),
    });
  }
  return packages;
}
