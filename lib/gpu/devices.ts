/** The GPUs NVML sees, with their static facts. */
import { native, type NativeDeviceInfo, type NativeProcessInfo } from "../native.js";
import { call, requireNvml } from "./provider.js";

/** A GPU as NVML describes it. Facts the device does not support are absent, never zero. */
export type GpuDevice = NativeDeviceInfo;
export type GpuProcess = NativeProcessInfo;

/** Every GPU, in NVML index order (PCI bus order). Throws NvmlUnavailableError without NVML. */
export function listDevices(): GpuDevice[] {
  requireNvml();
  return call(() => native().listDevices());
}

/** Compute processes on GPU `index` with the memory each holds. */
export function computeProcesses(index: number): GpuProcess[] {
  requireNvml();
  return call(() => native().computeProcesses(index));
}
