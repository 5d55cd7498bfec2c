/**
 * The Python interpreter that runs the transformers harness: the experiment's
 * `transformers.python`, else $LEM_PYTHON, else python3 then python on PATH. A configured
 * interpreter that is not there is an error, never a silent fall back to another Python (whose
 * packages would be measured instead).
 */
import { LemError } from "../../errors.js";
import { findExecutable } from "../../process/probe.js";

export type PythonSource = "config" | "LEM_PYTHON" | "PATH";

export interface FoundPython {
  /** Absolute path of the interpreter. */
  interpreter: string;
  source: PythonSource;
}

export class PythonNotFoundError extends LemError {
  /** What was looked for, in order, each with why it did not do. */
  readonly tried: string[];
  constructor(message: string, tried: string[]) {
    super("python-not-found", message);
    this.tried = tried;
  }
}

const ADVICE =
  "Install Python 3.9 or newer with torch, transformers and accelerate, then name it in the experiment " +
  "(transformers.python: /path/to/venv/bin/python) or in the environment (LEM_PYTHON=/path/to/venv/bin/python).";

/**
 * The interpreter to run the harness with. `env` is the environment to read LEM_PYTHON and
 * PATH from (lem's own by default).
 */
export function findPython(configured?: string, env: NodeJS.ProcessEnv = process.env): FoundPython {
  const pathVar = env.PATH ?? "";
  const described = (command: string) => (command.includes("/") ? "(not an executable file)" : `(not on PATH: ${pathVar || "empty"})`);
  if (configured !== undefined) {
    const found = findExecutable(configured, pathVar);
    if (found) return { interpreter: found, source: "config" };
    const tried = [`transformers.python "${configured}" ${described(configured)}`];
    throw new PythonNotFoundError(`no Python for the transformers backend: ${tried[0]}. Fix transformers.python in the experiment. ${ADVICE}`, tried);
  }
  const fromEnv = env.LEM_PYTHON;
  if (fromEnv) {
    const found = findExecutable(fromEnv, pathVar);
    if (found) return { interpreter: found, source: "LEM_PYTHON" };
    const tried = [`LEM_PYTHON "${fromEnv}" ${described(fromEnv)}`];
    throw new PythonNotFoundError(`no Python for the transformers backend: ${tried[0]}. Fix or unset LEM_PYTHON. ${ADVICE}`, tried);
  }
  for (const name of ["python3", "python"]) {
    const found = findExecutable(name, pathVar);
    if (found) return { interpreter: found, source: "PATH" };
  }
  const tried = ["transformers.python (not set)", "LEM_PYTHON (not set)", `python3 and python on PATH (${pathVar || "empty"})`];
  throw new PythonNotFoundError(`no Python for the transformers backend: tried ${tried.join(", ")}. ${ADVICE}`, tried);
}
