// The engine's Python and its packages (pip freeze, conda list), gathered with time limits.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collectConda, collectPython, parseCondaList, parsePipFreeze } from "../lib/environment/python-packages.js";

/** A temporary executable shell script. */
function script(name: string, body: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "lem-python-")), name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const FREEZE = [
  "torch==2.3.1",
  "vllm==0.5.3.post1",
  "-e git+https://github.com/example/engine.git@0123abc#egg=engine",
  "mylib @ file:///home/me/mylib",
  "",
  "# a comment pip may print",
  "transformers===4.42.4",
].join("\n");

/** Answers `-c ...` with a version and its own path, and `-m pip freeze` with FREEZE. */
function fakePython(freeze = FREEZE): string {
  return script(
    "python",
    `case "$1" in
  -c) echo "3.10.14"; echo "$0" ;;
  --version) echo "Python 3.10.14" ;;
  -m) [ "$2 $3" = "pip freeze" ] && cat <<'OUT'
${freeze}
OUT
  ;;
  *) exit 2 ;;
esac`,
  );
}

describe("parsePipFreeze", () => {
  it("splits name==version and keeps other package lines verbatim with version null", () => {
    expect(parsePipFreeze(FREEZE)).toEqual([
      { name: "torch", version: "2.3.1" },
      { name: "vllm", version: "0.5.3.post1" },
      { name: "-e git+https://github.com/example/engine.git@0123abc#egg=engine", version: null },
      { name: "mylib @ file:///home/me/mylib", version: null },
      { name: "transformers", version: "4.42.4" },
    ]);
  });
});

describe("collectPython", () => {
  it("reports the interpreter, its version and its pip freeze", async () => {
    const python = fakePython();
    const r = await collectPython({ python });
    expect(r).toEqual({
      interpreter: python,
      version: "3.10.14",
      packages: parsePipFreeze(FREEZE),
    });
  });

  it("says which command timed out when the interpreter hangs, within the time limit", async () => {
    // The sleep is a child of the script, not the script itself: the whole group must go.
    const python = script("python", "sleep 30\necho never");
    const t0 = performance.now();
    const r = await collectPython({ python, timeoutMs: 300 });
    const elapsedMs = performance.now() - t0;
    expect(r).toEqual({ interpreter: python, error: `\`${python} -c "import platform, sys; print(platform.python_version()); print(sys.executable)"\` did not finish within 300 ms and was stopped` });
    expect(elapsedMs).toBeLessThan(5000);
  });

  it("says the interpreter was not found when it does not exist", async () => {
    const r = await collectPython({ python: "/nonexistent/bin/python3" });
    expect(r).toMatchObject({ interpreter: "/nonexistent/bin/python3" });
    expect("error" in r && r.error).toMatch(/`\/nonexistent\/bin\/python3 -c .*` failed: \/nonexistent\/bin\/python3 was not found/);
  });

  it("keeps the version and says pip failed when the interpreter has no pip", async () => {
    const python = script("python", `case "$1" in -c) echo 3.12.1 ;; *) echo "/usr/bin/python: No module named pip" >&2; exit 1 ;; esac`);
    const r = await collectPython({ python });
    expect(r).toMatchObject({ interpreter: python, version: "3.12.1" });
    expect("error" in r && r.error).toBe(`\`${python} -m pip freeze\` exited with code 1: /usr/bin/python: No module named pip (is pip installed for this Python?)`);
  });

  it("refuses a program that prints no Python version", async () => {
    const python = script("python", "echo hello");
    const r = await collectPython({ python });
    expect("error" in r && r.error).toMatch(/printed no Python version \(got "hello"\)/);
  });
});

describe("conda", () => {
  const LIST = JSON.stringify([
    { name: "python", version: "3.11.9", channel: "conda-forge", build_string: "hab00c5b_0" },
    { name: "pytorch", version: "2.3.1", channel: "pytorch", build_string: "py3.11_cuda12.1_cudnn8.9.2_0" },
    { name: 42 },
  ]);

  it("parses conda list --json, skipping entries without a name", () => {
    expect(parseCondaList(LIST)).toEqual([
      { name: "python", version: "3.11.9", channel: "conda-forge", build: "hab00c5b_0" },
      { name: "pytorch", version: "2.3.1", channel: "pytorch", build: "py3.11_cuda12.1_cudnn8.9.2_0" },
    ]);
    expect(parseCondaList("{}")).toBeNull();
  });

  it("is left out when no conda environment is active", async () => {
    expect(await collectConda({ env: { PATH: process.env.PATH } })).toBeUndefined();
  });

  it("lists the packages of $CONDA_PREFIX with $CONDA_EXE", async () => {
    const conda = script("conda", `[ "$1 $2 $3 $4" = "list --json --prefix /opt/conda/envs/vllm" ] || exit 9\ncat <<'OUT'\n${LIST}\nOUT`);
    const r = await collectConda({ env: { CONDA_PREFIX: "/opt/conda/envs/vllm", CONDA_EXE: conda, PATH: "/usr/bin:/bin" } });
    expect(r).toMatchObject({ prefix: "/opt/conda/envs/vllm", packages: [{ name: "python" }, { name: "pytorch" }] });
  });

  it("says why when conda cannot be run", async () => {
    const r = await collectConda({ env: { CONDA_PREFIX: "/opt/conda/envs/vllm", CONDA_EXE: "/nonexistent/conda" } });
    expect(r).toEqual({
      prefix: "/opt/conda/envs/vllm",
      error: "`/nonexistent/conda list --json --prefix /opt/conda/envs/vllm` failed: /nonexistent/conda was not found (not on PATH, or no such file)",
    });
  });
});
