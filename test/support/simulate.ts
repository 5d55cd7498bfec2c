/** Test helpers for the simulated GPU: inline scenarios and the clock. */
import { useSimulatedGpu } from "../../lib/gpu/provider.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Writes `scenario` to a temporary file and makes it the active simulated GPU. */
export function simulateScenario(scenario: object): string {
  const dir = mkdtempSync(join(tmpdir(), "lem-scenario-"));
  const file = join(dir, "scenario.json");
  writeFileSync(file, JSON.stringify(scenario));
  useSimulatedGpu(file);
  return file;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Busy-waits (the event loop is blocked on purpose, to show the thread does not need it). */
export function spin(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* spin */
  }
}
