/** Check "gpus": the requested GPUs exist and map to NVML devices through CUDA_VISIBLE_DEVICES. */
import { LemError, NvmlError } from "../errors.js";
import { resolveCudaVisibleDevices } from "../gpu/cuda-visible-devices.js";
import { emptyOutcome, type CheckOutcome, type PreflightGpu } from "./types.js";

export interface GpusCheck extends CheckOutcome {
  gpus: PreflightGpu[];
}

/** `spec`: the CUDA_VISIBLE_DEVICES the backend will get (undefined = every GPU). */
export function checkGpus(spec: string | undefined): GpusCheck {
  const out = emptyOutcome();
  const shown = spec === undefined ? "unset (every GPU)" : `"${spec}"`;
  try {
    const mapping = resolveCudaVisibleDevices(spec);
    for (const note of mapping.notes) {
      out.warnings.push({ check: "gpu-order", message: note, fix: "Name the GPUs by UUID, or set CUDA_DEVICE_ORDER=PCI_BUS_ID." });
    }
    if (mapping.devices.length === 0) {
      out.failures.push({
        check: "gpus",
        message: `no GPU is selected: CUDA_VISIBLE_DEVICES is ${shown} and NVML finds no usable GPU for it.`,
        fix: `Set CUDA_VISIBLE_DEVICES to the indices or UUIDs that "lem devices" lists.`,
      });
    }
    const gpus = mapping.devices.map((d) => ({
      nvmlIndex: d.nvmlIndex,
      uuid: d.uuid,
      cudaOrdinal: d.cudaOrdinal,
      ...(d.migUuid ? { migUuid: d.migUuid } : {}),
    }));
    return { ...out, gpus };
  } catch (error) {
    if (!(error instanceof LemError)) throw error;
    if (error instanceof NvmlError) {
      out.failures.push({
        check: "gpus",
        message: `the GPUs could not be read for CUDA_VISIBLE_DEVICES=${shown}: ${error.message}.`,
        fix: "Check the GPUs with nvidia-smi; a GPU that has fallen off the bus needs a reset or a reboot.",
      });
      return { ...out, gpus: [] };
    }
    out.failures.push({
      check: "gpus",
      message: `the GPUs requested by CUDA_VISIBLE_DEVICES=${shown} cannot be used: ${error.message}`,
      fix: `Set CUDA_VISIBLE_DEVICES to indices or UUIDs that "lem devices" lists.`,
    });
    return { ...out, gpus: [] };
  }
}
