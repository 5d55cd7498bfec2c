import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Installs what the suite needs when missing (root on Debian): npm test on a fresh machine.
    globalSetup: ["test/support/global-setup.ts"],
    // Each test file in its own child process: a native crash must not take the runner down,
    // and each file gets a fresh NVML provider.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
