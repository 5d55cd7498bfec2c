/** NVML clock event ("throttle") reason bits and lem's names for them. */
export const THROTTLE_REASONS = {
  GpuIdle: 0x1,
  ApplicationsClocksSetting: 0x2,
  SwPowerCap: 0x4,
  HwSlowdown: 0x8,
  SyncBoost: 0x10,
  SwThermalSlowdown: 0x20,
  HwThermalSlowdown: 0x40,
  HwPowerBrakeSlowdown: 0x80,
  DisplayClockSetting: 0x100,
} as const;

export type ThrottleReason = keyof typeof THROTTLE_REASONS;

/**
 * Reasons that lower clocks because of heat or power (measurement-notes.md: "thermal
 * throttling"); GpuIdle, SyncBoost and the settings reasons are not.
 */
export const SLOWDOWN_REASONS: readonly ThrottleReason[] = [
  "SwThermalSlowdown",
  "HwThermalSlowdown",
  "HwSlowdown",
  "HwPowerBrakeSlowdown",
  "SwPowerCap",
];

/** Names of the reasons set in `mask`; unknown bits as "0x...". */
export function throttleReasonNames(mask: number): string[] {
  const names: string[] = [];
  let rest = mask >>> 0;
  for (const [name, bit] of Object.entries(THROTTLE_REASONS)) {
    if (rest & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  for (let bit = 1; rest !== 0 && bit !== 0; bit = (bit << 1) >>> 0) {
    if (rest & bit) {
      names.push(`0x${bit.toString(16)}`);
      rest &= ~bit;
    }
  }
  return names;
}

/** Seconds under each named reason, from the native per-bit record. */
export function throttleSecondsByName(secondsByBit: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [bit, seconds] of Object.entries(secondsByBit)) {
    const [name] = throttleReasonNames(Number(bit));
    if (name) out[name] = seconds;
  }
  return out;
}
