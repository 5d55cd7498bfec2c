/** What a power reading really was, named for methodReason (the sampler's `sources` values). */

export function powerReadingName(source: string | undefined): string {
  switch (source) {
    case "field:instant":
      return "instant power (field NVML_FI_DEV_POWER_INSTANT)";
    case "powerUsage:instant":
      return "instant power (nvmlDeviceGetPowerUsage, instantaneous on this architecture)";
    default:
      return "instant power";
  }
}

export function averageReadingName(source: string | undefined): string {
  switch (source) {
    case "field:average":
      return "NVML's 1 s average power (field NVML_FI_DEV_POWER_AVERAGE)";
    case "powerUsage:average":
      return "NVML's 1 s average power (nvmlDeviceGetPowerUsage, an average on this architecture)";
    default:
      return "NVML's 1 s average power";
  }
}
