/** The CUDA driver and runtime as lem's own process sees them (no context is created). */
import { native, type NativeCudaDriverInfo, type NativeCudaRuntimeInfo } from "../native.js";
import { call } from "./provider.js";

/** CUDA devices in CUDA's order with their UUIDs and NVML indices; never throws for a missing driver. */
export function cudaDriverDevices(): NativeCudaDriverInfo {
  return call(() => native().cudaDevices());
}

/** The version of the first libcudart found (.so.13, .so.12, .so.11.0), or why none was. */
export function cudaRuntimeVersion(): NativeCudaRuntimeInfo {
  return call(() => native().cudaRuntime());
}
