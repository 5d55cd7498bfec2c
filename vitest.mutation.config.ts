// The test files that mutation testing (npm run mutation) runs against mutants: the unit tests
// of lib/ that import the code directly. Tests that drive the built CLI (dist/), Python or Docker
// children, a browser or a sanitizer build cannot see a mutant in lib/ and only cost time.
// Stryker's runner uses worker threads in one process: tests that need a process whose native
// NVML provider failed to load (no-gpu, preflight-no-nvml) cannot share it and are left out.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

// LEM_MUTATION_TESTS (comma-separated test files, set by bench/mutation/run.js --tests) narrows
// the run to the named files: a mutant of a pure function then costs milliseconds instead of
// the seconds that the simulator's sampling tests take.
const only = process.env.LEM_MUTATION_TESTS?.split(",").filter(Boolean);

// Spread, not mergeConfig: mergeConfig would add to the base's include list, not replace it.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: only ?? base.test?.include ?? [],
    exclude: [
      "**/node_modules/**",
      "test/cli-*.test.ts",
      "test/*-harness.test.ts",
      "test/docker-runner.test.ts",
      "test/engine-templates.test.ts",
      "test/review-*.test.ts",
      "test/*-doc.test.ts",
      "test/*-docs.test.ts",
      "test/doc-examples.test.ts",
      "test/help-examples.test.ts",
      "test/config-reference.test.ts",
      "test/report-browser.test.ts",
      "test/native-sanitizers.test.ts",
      "test/packaging.test.ts",
      "test/study-*.test.ts",
      "test/server-lifecycle.test.ts",
      "test/no-gpu.test.ts",
      "test/preflight-no-nvml.test.ts",
    ],
  },
});
