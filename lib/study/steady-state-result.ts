/**
 * The steady-state figures of a run (ML.ENERGY benchmark's definition, see
 * lib/backends/openai/steady-state.ts): the energy of that narrower window and the output
 * tokens streamed inside it, so that ramp-up and tail are left out of energy per token.
 */
import type { BackendOutcome } from "../backends/backend-outcome.js";
import type { WindowEnergy } from "../measure/window-energy.js";
import type { RunResult } from "../results/result-schema.js";

export function steadyStateResult(
  backend: BackendOutcome,
  accountWindow: (startNs: bigint, endNs: bigint) => WindowEnergy,
): RunResult["steadyState"] | undefined {
  const s = backend.steadyState;
  if (!s) return undefined;
  if ("unavailable" in s) return { unavailable: s.unavailable };
  const windowS = Number(s.endNs - s.startNs) / 1e9;
  const energy = accountWindow(s.startNs, s.endNs);
  const energyJ = energy.total.energyJ;
  return {
    startNs: s.startNs.toString(),
    endNs: s.endNs.toString(),
    windowS,
    energyJ,
    adjustedEnergyJ: energy.total.adjustedEnergyJ,
    method: energy.devices.map((d) => d.method),
    outputTokens: s.outputTokens,
    requests: s.requests,
    energyPerOutputTokenJ: energyJ !== null && s.outputTokens > 0 ? energyJ / s.outputTokens : null,
    outputTokensPerS: windowS > 0 ? s.outputTokens / windowS : null,
  };
}
