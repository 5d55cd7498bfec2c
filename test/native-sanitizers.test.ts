// The native tests (sampler and simulator, 1000 start/stop cycles among them) built by CMake
// and run under AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included) and
// under ThreadSanitizer.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/run-lem.js";

async function buildAndTest(sanitize: string, dir: string) {
  const run = (cmd: string, args: string[]) =>
    execa(cmd, args, { cwd: repoRoot, reject: false, all: true, env: { ASAN_OPTIONS: "detect_leaks=1", UBSAN_OPTIONS: "print_stacktrace=1" } });
  const configure = await run("cmake", ["-S", ".", "-B", dir, `-DLEM_SANITIZE=${sanitize}`, "-DCMAKE_BUILD_TYPE=Debug"]);
  expect(configure.exitCode, configure.all).toBe(0);
  const build = await run("cmake", ["--build", dir, "-j", "2"]);
  expect(build.exitCode, build.all).toBe(0);
  return run("ctest", ["--test-dir", dir, "--output-on-failure"]);
}

describe("native tests under sanitizers", () => {
  it("pass under ASan+UBSan with no leak and no undefined behaviour", { timeout: 600_000 }, async () => {
    const r = await buildAndTest("address,undefined", "build/asan");
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain("100% tests passed, 0 tests failed out of 3");
  });

  it("pass under TSan with no data race", { timeout: 600_000 }, async () => {
    const r = await buildAndTest("thread", "build/tsan");
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).not.toContain("ThreadSanitizer");
  });
});
