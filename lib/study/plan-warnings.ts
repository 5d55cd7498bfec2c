/** Warnings about a study's planned run order, added to the study's own warnings (printed by lem run, kept in study.json). */
import type { LoadedStudy } from "../config/load.js";
import { carryOverWarning } from "./carry-over.js";
import type { PlannedRun } from "./plan.js";

export function addCarryOverWarning(loaded: LoadedStudy, plan: PlannedRun[]): void {
  const ex = loaded.study.execution;
  const warning = carryOverWarning(
    plan.map((p) => p.experiment),
    loaded.expansion.experiments.length,
    { order: ex.order, cycles: ex.cycles },
  );
  if (warning === null) return;
  const text = `${warning.code}: ${warning.message}`;
  if (!loaded.expansion.warnings.includes(text)) loaded.expansion.warnings.push(text);
}
