/**
 * Check "backend": the engine's executable or Python interpreter and its modules are
 * installed. Probes are quick programs with a timeout; none of them touches a GPU.
 */
import { findExecutable, lastLine, runProbe, type ProbeResult } from "../process/probe.js";
import { emptyOutcome, type CheckOutcome, type PreflightRequest } from "./types.js";

const MODULE_NAME = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

function whyProbeFailed(r: ProbeResult, timeoutMs: number): string {
  if (r.timedOut) return `it did not finish within ${timeoutMs} ms`;
  if (r.spawnError) return `it could not be started (${r.spawnError})`;
  if (r.signal) return `it was killed by ${r.signal}`;
  const line = lastLine(r.stderr) ?? lastLine(r.stdout);
  return `it exited with code ${r.exitCode ?? "?"}${line ? `: ${line}` : " and printed nothing"}`;
}

export async function checkCommand(command: NonNullable<PreflightRequest["command"]>, timeoutMs: number): Promise<CheckOutcome> {
  const out = emptyOutcome();
  const found = findExecutable(command.executable);
  if (!found) {
    out.failures.push({
      check: "backend",
      message: command.executable.includes("/")
        ? `the backend executable ${command.executable} does not exist or is not an executable file.`
        : `the backend executable "${command.executable}" is not on PATH (${process.env.PATH ?? "PATH is unset"}).`,
      fix: `Install it, or give its full path${command.executable.includes("/") ? " and make it executable (chmod +x)" : ""}.`,
    });
    return out;
  }
  if (command.probeArgs) {
    const r = await runProbe(found, command.probeArgs, timeoutMs);
    if (!r.ok) {
      out.failures.push({
        check: "backend",
        message: `the backend probe "${[found, ...command.probeArgs].join(" ")}" failed: ${whyProbeFailed(r, timeoutMs)}.`,
        fix: `Run that command yourself and repair the installation it reports${r.timedOut ? ", or raise the probe timeout" : ""}.`,
      });
    }
  }
  return out;
}

export async function checkPython(python: NonNullable<PreflightRequest["python"]>, timeoutMs: number): Promise<CheckOutcome> {
  const out = emptyOutcome();
  const found = findExecutable(python.interpreter);
  if (!found) {
    out.failures.push({
      check: "backend",
      message: `the Python interpreter "${python.interpreter}" was not found${python.interpreter.includes("/") ? "" : " on PATH"}.`,
      fix: "Install Python, or give the path of the interpreter of the environment that has the engine (e.g. .venv/bin/python).",
    });
    return out;
  }
  const started = await runProbe(found, ["-c", "import sys; print(sys.version)"], timeoutMs);
  if (!started.ok) {
    out.failures.push({
      check: "backend",
      message: `the Python interpreter ${found} does not run: ${whyProbeFailed(started, timeoutMs)}.`,
      fix: "Repair or reinstall that Python environment, or give another interpreter.",
    });
    return out;
  }
  const modules = python.modules ?? [];
  const results = await Promise.all(
    modules.map(async (name) => {
      if (!MODULE_NAME.test(name)) return { name, invalid: true as const };
      return { name, invalid: false as const, r: await runProbe(found, ["-c", `import ${name}`], timeoutMs) };
    }),
  );
  for (const m of results) {
    if (m.invalid) {
      out.failures.push({
        check: "backend",
        message: `"${m.name}" is not a Python module name.`,
        fix: "Give a module name as it is imported, e.g. vllm or transformers.",
      });
    } else if (!m.r.ok) {
      const missing = /ModuleNotFoundError|No module named/.test(m.r.stderr);
      out.failures.push({
        check: "backend",
        message: missing
          ? `the Python module "${m.name}" is not installed for ${found}.`
          : `importing the Python module "${m.name}" with ${found} failed: ${whyProbeFailed(m.r, timeoutMs)}.`,
        fix: missing
          ? `Install it into that environment: ${found} -m pip install ${m.name} (the package name may differ from the module name).`
          : `Run "${found} -c 'import ${m.name}'" yourself and repair what it reports${m.r.timedOut ? ", or raise the probe timeout" : ""}.`,
      });
    }
  }
  return out;
}
