/** The placement a run records: this machine, the executor, the Slurm job, and the GPUs' hardware facts. */
import { hostname } from "node:os";
import type { GpuDevice } from "../gpu/devices.js";
import { nvmlStatus } from "../gpu/provider.js";
import { slurmPlacementFromEnv, type Placement } from "../study-format/placement.js";

export function runPlacement(executor: Placement["executor"], devices: readonly number[], facts: readonly GpuDevice[], env: NodeJS.ProcessEnv = process.env): Placement {
  const driverVersion = nvmlStatus().driverVersion ?? null;
  return {
    executor,
    hostname: hostname(),
    slurm: executor === "slurm" ? slurmPlacementFromEnv(env) : null,
    gpus: devices.flatMap((index) => {
      const f = facts.find((d) => d.index === index);
      if (!f) return [];
      return [{ index, uuid: f.uuid, name: f.name, driverVersion, powerLimitW: f.enforcedPowerLimitW ?? f.powerLimitW ?? null }];
    }),
  };
}
