// Mutation testing of the measurement core: `npm run mutation` (bench/mutation/run.js), not part
// of `npm test`. One mutant at a time (concurrency 1: the machine is small and shared); each mutant
// runs only the tests that cover it (vitest related files + per-test coverage).
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutation.config.ts", related: true },
  coverageAnalysis: "perTest",
  concurrency: 1,
  mutate: [
    "lib/measure/**/*.ts",
    "lib/results/**/*.ts",
    "lib/study/**/*.ts",
    "lib/study-format/**/*.ts",
    "lib/random/**/*.ts",
    "lib/config/**/*.ts",
    "lib/gpu/**/*.ts",
  ],
  checkers: [],
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "bench/results/tmp/mutation/stryker-report.json" },
  tempDirName: "bench/results/tmp/stryker",
  cleanTempDir: true,
  timeoutMS: 5_000,
  ignorePatterns: ["dist", "bench/results", "test/.artifacts", "test/.doc-examples", "examples/results", "prebuilds", ".carry"],
  disableTypeChecks: "lib/**/*.ts",
};
