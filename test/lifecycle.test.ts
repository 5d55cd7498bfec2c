// The sampling thread's lifecycle across worker threads and process exit.
import { execa } from "execa";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { cleanEnv } from "./support/run-lem.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe("sampler lifecycle", () => {
  it("samples from a worker thread", async () => {
    const worker = new Worker(fixture("worker-sampler.mjs"), { workerData: { mode: "report" } });
    const result = await new Promise<{ ticks: number; samples: number }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    expect(result.ticks).toBeGreaterThan(150);
    expect(result.samples).toBe(result.ticks);
  });

  it("joins a running sampler when its worker is terminated", async () => {
    const worker = new Worker(fixture("worker-sampler.mjs"), { workerData: { mode: "keep" } });
    await new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    const code = await worker.terminate();
    expect(code).toBe(1); // terminated, not crashed
  });

  it("lets the process exit while a sampler is still running", async () => {
    const started = Date.now();
    const r = await execa(process.execPath, [fixture("exit-while-sampling.mjs")], {
      env: cleanEnv(),
      extendEnv: false,
      timeout: 20_000,
      reject: false,
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("started");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
