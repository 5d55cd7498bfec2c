/**
 * Scenarios of the simulated GPU: the zod schema (mirror of native/sim/scenario.h, with the
 * same defaults and the same checks), the built-in scenarios shipped in scenarios/, and
 * resolution of a `--simulate` argument (built-in name or file path) into validated JSON.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { LemError } from "../errors.js";

/** A scenario that cannot be used: the message names the file, the field path, what was expected and found. */
export class ScenarioError extends LemError {
  constructor(message: string) {
    super("LEM_SCENARIO_INVALID", message);
  }
}

const GPU_UUID = /^GPU-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const MIG_UUID = /^MIG-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const PCI_BUS_ID = /^[0-9a-fA-F]{8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-9a-fA-F]$/;

export const ARCHITECTURES = [
  "kepler",
  "maxwell",
  "pascal",
  "volta",
  "turing",
  "ampere",
  "ada",
  "hopper",
  "blackwell",
] as const;

export const SCENARIO_THROTTLE_REASONS = [
  "GpuIdle",
  "ApplicationsClocksSetting",
  "SwPowerCap",
  "HwSlowdown",
  "SyncBoost",
  "SwThermalSlowdown",
  "HwThermalSlowdown",
  "HwPowerBrakeSlowdown",
  "DisplayClockSetting",
] as const;

export const UNSUPPORTED_FEATURES = [
  "energyCounter",
  "instantPower",
  "averagePower",
  "powerUsage",
  "temperature",
  "smClock",
  "memory",
  "throttleReasons",
  "utilization",
  "processes",
  "persistenceMode",
  "migMode",
  "powerLimit",
  "architecture",
  "pciInfo",
] as const;

/** NVML function names errors can be injected into (native/sim/functions.cc), "*" = every call taking a device handle. */
export const INJECTABLE_FUNCTIONS = [
  "*",
  "nvmlDeviceGetHandleByIndex_v2",
  "nvmlDeviceGetHandleByUUID",
  "nvmlDeviceGetName",
  "nvmlDeviceGetUUID",
  "nvmlDeviceGetIndex",
  "nvmlDeviceGetPciInfo_v3",
  "nvmlDeviceGetArchitecture",
  "nvmlDeviceGetMemoryInfo_v2",
  "nvmlDeviceGetMemoryInfo",
  "nvmlDeviceGetPowerManagementLimit",
  "nvmlDeviceGetPowerManagementDefaultLimit",
  "nvmlDeviceGetPowerManagementLimitConstraints",
  "nvmlDeviceGetEnforcedPowerLimit",
  "nvmlDeviceGetPersistenceMode",
  "nvmlDeviceGetMigMode",
  "nvmlDeviceIsMigDeviceHandle",
  "nvmlDeviceGetDeviceHandleFromMigDeviceHandle",
  "nvmlDeviceGetPowerUsage",
  "nvmlDeviceGetTotalEnergyConsumption",
  "nvmlDeviceGetFieldValues",
  "nvmlDeviceGetTemperature",
  "nvmlDeviceGetClockInfo",
  "nvmlDeviceGetCurrentClocksEventReasons",
  "nvmlDeviceGetUtilizationRates",
  "nvmlDeviceGetComputeRunningProcesses_v3",
  "nvmlDeviceGetComputeRunningProcesses",
  "nvmlDeviceGetHandleByIndex",
  "nvmlDeviceGetPciInfo",
  "nvmlDeviceGetCurrentClocksThrottleReasons",
  "nvmlDeviceGetComputeRunningProcesses_v2",
] as const;

export const NVML_ERROR_NAMES = [
  "NVML_ERROR_UNINITIALIZED",
  "NVML_ERROR_INVALID_ARGUMENT",
  "NVML_ERROR_NOT_SUPPORTED",
  "NVML_ERROR_NO_PERMISSION",
  "NVML_ERROR_ALREADY_INITIALIZED",
  "NVML_ERROR_NOT_FOUND",
  "NVML_ERROR_INSUFFICIENT_SIZE",
  "NVML_ERROR_INSUFFICIENT_POWER",
  "NVML_ERROR_DRIVER_NOT_LOADED",
  "NVML_ERROR_TIMEOUT",
  "NVML_ERROR_IRQ_ISSUE",
  "NVML_ERROR_LIBRARY_NOT_FOUND",
  "NVML_ERROR_FUNCTION_NOT_FOUND",
  "NVML_ERROR_CORRUPTED_INFOROM",
  "NVML_ERROR_GPU_IS_LOST",
  "NVML_ERROR_RESET_REQUIRED",
  "NVML_ERROR_OPERATING_SYSTEM",
  "NVML_ERROR_LIB_RM_VERSION_MISMATCH",
  "NVML_ERROR_IN_USE",
  "NVML_ERROR_MEMORY",
  "NVML_ERROR_NO_DATA",
  "NVML_ERROR_VGPU_ECC_NOT_ENABLED",
  "NVML_ERROR_INSUFFICIENT_RESOURCES",
  "NVML_ERROR_FREQ_NOT_SUPPORTED",
  "NVML_ERROR_ARGUMENT_VERSION_MISMATCH",
  "NVML_ERROR_DEPRECATED",
  "NVML_ERROR_NOT_READY",
  "NVML_ERROR_GPU_NOT_FOUND",
  "NVML_ERROR_INVALID_STATE",
  "NVML_ERROR_UNKNOWN",
] as const;

// Number shapes, with the messages the C++ parser uses ("expected a positive number").
const num = () => z.number({ error: "expected a number" });
const nonNegative = () => z.number({ error: "expected a number >= 0" }).min(0, { error: "expected a number >= 0" });
const positive = () =>
  z.number({ error: "expected a positive number" }).positive({ error: "expected a positive number" });
const nonNegativeInt = () =>
  z
    .number({ error: "expected a non-negative integer" })
    .int({ error: "expected a non-negative integer" })
    .min(0, { error: "expected a non-negative integer" });
const fraction = () =>
  z
    .number({ error: "expected a number from 0 to 1" })
    .min(0, { error: "expected a number from 0 to 1" })
    .max(1, { error: "expected a number from 0 to 1" });
const str = () => z.string({ error: "expected a string" });
const bool = () => z.boolean({ error: "expected true or false" });
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${values.join(", ")}` });
const array = <T extends z.ZodType>(item: T) => z.array(item, { error: "expected an array" });
const untilS = () => nonNegative().nullable().default(null);

const ConstantSegment = z.strictObject({
  kind: z.literal("constant"),
  watts: nonNegative(),
  durationS: positive(),
});
const LinearSegment = z.strictObject({
  kind: z.literal("linear"),
  fromW: nonNegative(),
  toW: nonNegative(),
  durationS: positive(),
});
const SquareSegment = z.strictObject({
  kind: z.literal("square"),
  lowW: nonNegative(),
  highW: nonNegative(),
  periodS: positive(),
  duty: fraction().default(0.5),
  durationS: positive(),
});
export const PowerSegmentSchema = z.discriminatedUnion("kind", [ConstantSegment, LinearSegment, SquareSegment], {
  error: 'expected a segment with "kind": "constant", "linear" or "square"',
});

export const ScenarioDeviceSchema = z.strictObject({
  name: str().min(1, { error: "expected a non-empty string" }),
  uuid: str().regex(GPU_UUID, { error: 'expected a GPU UUID like "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex)' }).optional(),
  pciBusId: str().regex(PCI_BUS_ID, { error: 'expected a PCI bus id like "00000000:18:00.0"' }).optional(),
  pciDeviceId: nonNegativeInt().max(0xffffffff, { error: "expected a 32-bit unsigned integer" }).default(0x233010de),
  architecture: oneOf(ARCHITECTURES).default("hopper"),
  memoryTotalMiB: positive().default(81559),
  memoryReservedMiB: nonNegative().default(534),
  memoryUsedMiB: nonNegative().default(0),
  powerLimitW: positive().default(700),
  defaultPowerLimitW: positive().default(700),
  minPowerLimitW: positive().default(200),
  maxPowerLimitW: positive().default(700),
  persistenceMode: bool().default(true),
  mig: z
    .strictObject({
      enabled: bool().default(false),
      instances: array(
        z.strictObject({
          uuid: str()
            .regex(MIG_UUID, { error: 'expected a MIG UUID like "MIG-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex)' })
            .optional(),
        }),
      ).default([]),
    })
    .prefault({}),
  idleW: nonNegative().default(70),
  power: array(PowerSegmentSchema).default([]),
  loop: bool().default(false),
  energyCounterStepMs: nonNegative().default(0),
  energyCounterStartMJ: nonNegativeInt().default(0),
  powerUpdateMs: nonNegative().default(0),
  temperature: z
    .strictObject({
      ambientC: num().default(30),
      perWattC: nonNegative().default(0.08),
      timeConstantS: positive().default(20),
      initialC: num().optional(),
    })
    .prefault({}),
  smClockMHz: positive().default(1980),
  throttledSmClockMHz: positive().default(1410),
  throttle: array(
    z.strictObject({
      startS: nonNegative(),
      endS: nonNegative(),
      reasons: array(oneOf(SCENARIO_THROTTLE_REASONS)).min(1, { error: "expected at least one reason" }),
    }),
  ).default([]),
  unsupported: array(oneOf(UNSUPPORTED_FEATURES)).default([]),
  errors: array(
    z.strictObject({
      atS: nonNegative().default(0),
      untilS: untilS(),
      functions: array(oneOf(INJECTABLE_FUNCTIONS))
        .min(1, { error: "expected a non-empty array of NVML function names" })
        .default(["*"]),
      error: oneOf(NVML_ERROR_NAMES),
    }),
  ).default([]),
  processes: array(
    z.strictObject({
      pid: nonNegativeInt()
        .min(1, { error: "expected a process id >= 1" })
        .max(0xffffffff, { error: "expected a process id >= 1" }),
      name: str().default("python3"),
      usedMiB: nonNegative().default(0),
      fromS: nonNegative().default(0),
      untilS: untilS(),
    }),
  ).default([]),
});

type Issue = { path: (string | number)[]; message: string };

// The checks that span fields, in the same words as native/sim/scenario.cc.
function deviceIssues(d: z.infer<typeof ScenarioDeviceSchema>, at: (string | number)[]): Issue[] {
  const issues: Issue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path: [...at, ...path], message });
  if (d.memoryReservedMiB + d.memoryUsedMiB > d.memoryTotalMiB)
    add(["memoryUsedMiB"], "memoryReservedMiB + memoryUsedMiB exceed memoryTotalMiB");
  if (d.minPowerLimitW > d.maxPowerLimitW) add(["minPowerLimitW"], "must not exceed maxPowerLimitW");
  if (d.powerLimitW < d.minPowerLimitW || d.powerLimitW > d.maxPowerLimitW)
    add(["powerLimitW"], "must lie within [minPowerLimitW, maxPowerLimitW]");
  if (d.defaultPowerLimitW < d.minPowerLimitW || d.defaultPowerLimitW > d.maxPowerLimitW)
    add(["defaultPowerLimitW"], "must lie within [minPowerLimitW, maxPowerLimitW]");
  if (!d.mig.enabled && d.mig.instances.length > 0) add(["mig", "instances"], 'MIG instances need "enabled": true');
  d.throttle.forEach((t, i) => {
    if (t.endS <= t.startS) add(["throttle", i, "endS"], "must be greater than startS");
  });
  d.errors.forEach((e, i) => {
    if (e.untilS !== null && e.untilS <= e.atS) add(["errors", i, "untilS"], "must be greater than atS (or null)");
  });
  d.processes.forEach((p, i) => {
    if (p.untilS !== null && p.untilS <= p.fromS)
      add(["processes", i, "untilS"], "must be greater than fromS (or null)");
  });
  return issues;
}

export const ScenarioSchema = z
  .strictObject({
    name: str().default("custom"),
    description: str().default(""),
    driverVersion: str().default("550.54.15"),
    nvmlVersion: str().default("12.550.54.15"),
    cudaDriverVersion: nonNegativeInt().max(2147483647, { error: "expected a version number like 12040" }).default(12040),
    cuda: z
      .strictObject({
        available: bool().default(true),
        order: array(nonNegativeInt()).optional(),
      })
      .prefault({}),
    deviceCount: nonNegativeInt()
      .min(1, { error: "expected an integer from 1 to 64" })
      .max(64, { error: "expected an integer from 1 to 64" })
      .optional(),
    devices: array(ScenarioDeviceSchema).min(1, { error: "expected a non-empty array of devices" }),
  })
  .superRefine((s, ctx) => {
    const issues: Issue[] = [];
    s.devices.forEach((d, i) => issues.push(...deviceIssues(d, ["devices", i])));
    if (s.deviceCount !== undefined) {
      const t = s.devices[0];
      if (s.devices.length !== 1 || !t) {
        issues.push({ path: ["devices"], message: "with deviceCount, give exactly one device (the template)" });
      } else {
        const own = "must be omitted with deviceCount (each copy gets its own)";
        if (t.uuid !== undefined) issues.push({ path: ["devices", 0, "uuid"], message: own });
        if (t.pciBusId !== undefined) issues.push({ path: ["devices", 0, "pciBusId"], message: own });
        t.mig.instances.forEach((m, k) => {
          if (m.uuid !== undefined) issues.push({ path: ["devices", 0, "mig", "instances", k, "uuid"], message: own });
        });
      }
    }
    const seen = new Set<string>();
    s.devices.forEach((d, i) => {
      if (d.uuid !== undefined) {
        if (seen.has(d.uuid)) issues.push({ path: ["devices", i, "uuid"], message: `duplicate UUID ${d.uuid}` });
        seen.add(d.uuid);
      }
      d.mig.instances.forEach((m, k) => {
        if (m.uuid === undefined) return;
        if (seen.has(m.uuid))
          issues.push({ path: ["devices", i, "mig", "instances", k, "uuid"], message: `duplicate UUID ${m.uuid}` });
        seen.add(m.uuid);
      });
    });
    const n = s.deviceCount ?? s.devices.length;
    const order = s.cuda.order;
    if (order !== undefined) {
      if (order.length !== n) {
        issues.push({
          path: ["cuda", "order"],
          message: `expected a permutation of the ${n} NVML indices, found ${order.length} entries`,
        });
      } else {
        const used = new Set<number>();
        order.forEach((idx, i) => {
          if (idx >= n) issues.push({ path: ["cuda", "order", i], message: `expected an NVML index below ${n}` });
          else if (used.has(idx)) issues.push({ path: ["cuda", "order", i], message: `duplicate index ${idx}` });
          used.add(idx);
        });
      }
    }
    for (const issue of issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  });

export type Scenario = z.infer<typeof ScenarioSchema>;

const scenariosDir = (): string => fileURLToPath(new URL("../../scenarios/", import.meta.url));

/** Names of the scenarios shipped with lem (scenarios/*.json), sorted. */
export function builtinScenarioNames(): string[] {
  let files: string[];
  try {
    files = readdirSync(scenariosDir());
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (value !== null && typeof value === "object") return "an object";
  const text = JSON.stringify(value);
  return text.length > 44 ? `${text.slice(0, 42)}..."` : text;
}

/** One line per problem: `path: expected ..., found ...` (the C++ parser's format). */
export function formatScenarioIssues(error: z.ZodError, input: unknown): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) lines.push(`${pathText([...issue.path, key])}: unknown key`);
      continue;
    }
    const found = valueAt(input, issue.path);
    if (issue.code === "custom") {
      lines.push(`${pathText(issue.path)}: ${issue.message}`);
    } else if (found === undefined) {
      lines.push(`${pathText(issue.path)}: missing (${issue.message})`);
    } else {
      lines.push(`${pathText(issue.path)}: ${issue.message}, found ${describe(found)}`);
    }
  }
  return lines;
}

/** Validates parsed scenario JSON; throws ScenarioError naming `source` and each bad field. */
export function parseScenario(input: unknown, source: string): Scenario {
  const result = ScenarioSchema.safeParse(input);
  if (!result.success) {
    const lines = formatScenarioIssues(result.error, input);
    throw new ScenarioError(`invalid scenario ${source}:\n  ${lines.join("\n  ")}`);
  }
  return result.data;
}

/**
 * A built-in scenario name or a scenario file path -> the validated scenario, re-serialised
 * with every default filled in (the JSON the native simulator loads).
 */
export function resolveScenario(spec: string): { name: string; source: string; json: string } {
  const builtins = builtinScenarioNames();
  let file: string;
  let source: string;
  let fallbackName: string;
  if (builtins.includes(spec)) {
    file = resolve(scenariosDir(), `${spec}.json`);
    source = `built-in scenario "${spec}"`;
    fallbackName = spec;
  } else if (spec.includes("/") || spec.includes("\\") || spec.endsWith(".json") || existsSync(spec)) {
    file = resolve(spec);
    source = file;
    fallbackName = basename(file).replace(/\.json$/, "");
  } else {
    throw new ScenarioError(
      `unknown scenario "${spec}": not a built-in name (${builtins.join(", ") || "none found"}) ` +
        `and not a file path (a scenario file ends in .json)`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const why = error instanceof Error && "code" in error ? String((error as NodeJS.ErrnoException).code) : "";
    throw new ScenarioError(
      `cannot read scenario file ${file}${why ? ` (${why})` : ""}; built-in scenarios: ${builtins.join(", ")}`,
    );
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`invalid JSON in scenario ${source}: ${(error as Error).message}`);
  }
  const scenario = parseScenario(input, source);
  // A file without a "name" takes its file name, so reports say which scenario ran.
  const named = input !== null && typeof input === "object" && "name" in input;
  if (!named) scenario.name = fallbackName;
  return { name: scenario.name, source, json: JSON.stringify(scenario) };
}
