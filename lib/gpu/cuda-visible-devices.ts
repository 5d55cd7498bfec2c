/**
 * CUDA_VISIBLE_DEVICES -> the physical GPUs (NVML indices) a CUDA program will use.
 *
 * CUDA numbers devices in its own order (FASTEST_FIRST unless CUDA_DEVICE_ORDER=PCI_BUS_ID),
 * which need not be NVML's PCI order, so indices are mapped through the CUDA driver's UUIDs.
 * Where CUDA silently ignores everything after a bad entry, lem refuses the whole value.
 */
import { CudaVisibleDevicesError } from "../errors.js";
import { native, type NativeCudaDriverInfo } from "../native.js";
import { call, requireNvml } from "./provider.js";

export type CudaVisibleEntry =
  | { kind: "index"; text: string; ordinal: number }
  | { kind: "gpu-uuid"; text: string }
  | { kind: "mig-uuid"; text: string };

export interface ResolvedCudaDevice {
  /** The CUDA ordinal the program will see (position in CUDA_VISIBLE_DEVICES). */
  cudaOrdinal: number;
  /** The entry of CUDA_VISIBLE_DEVICES it came from. */
  entry: string;
  /** NVML index of the physical GPU (a MIG instance maps to its parent). */
  nvmlIndex: number;
  uuid: string;
  migUuid?: string;
}

export interface CudaDeviceMapping {
  spec: string | undefined;
  devices: ResolvedCudaDevice[];
  /** How indices were mapped: through the CUDA driver's UUIDs, or assuming PCI order. */
  method: "cuda-driver" | "pci-order";
  notes: string[];
}

const UUID_BODY = /^[0-9a-f]{8}(-[0-9a-f]{0,12}){0,4}$|^[0-9a-f]{1,8}$/i;

/** Parses a CUDA_VISIBLE_DEVICES value; throws CudaVisibleDevicesError naming the bad entry. */
export function parseCudaVisibleDevices(spec: string): CudaVisibleEntry[] {
  const trimmed = spec.trim();
  if (trimmed === "" || trimmed === "-1") return [];
  const entries = trimmed.split(",").map((s) => s.trim());
  const seen = new Set<string>();
  return entries.map((text, position) => {
    const where = `CUDA_VISIBLE_DEVICES="${spec}": entry ${position + 1} ("${text}")`;
    let entry: CudaVisibleEntry;
    if (/^\d+$/.test(text)) {
      entry = { kind: "index", text, ordinal: Number(text) };
    } else if (/^GPU-/i.test(text) && UUID_BODY.test(text.slice(4))) {
      entry = { kind: "gpu-uuid", text: `GPU-${text.slice(4).toLowerCase()}` };
    } else if (/^MIG-/i.test(text) && UUID_BODY.test(text.slice(4))) {
      entry = { kind: "mig-uuid", text: `MIG-${text.slice(4).toLowerCase()}` };
    } else {
      throw new CudaVisibleDevicesError(
        `${where} is not a device index, a GPU-<uuid> or a MIG-<uuid>. ` +
          `Use the indices or UUIDs that "lem devices" lists.`,
      );
    }
    const key = entry.kind === "index" ? `#${entry.ordinal}` : entry.text;
    if (seen.has(key)) throw new CudaVisibleDevicesError(`${where} repeats an earlier entry; list each GPU once.`);
    seen.add(key);
    return entry;
  });
}

interface NvmlGpu {
  index: number;
  uuid: string;
}

/**
 * Maps parsed entries to NVML devices. Pure: `cuda` is the CUDA driver's enumeration for a
 * process without CUDA_VISIBLE_DEVICES (or undefined when libcuda is unavailable);
 * `findUuid` resolves a full MIG UUID to its parent's NVML index.
 */
export function mapCudaVisibleDevices(
  spec: string,
  gpus: NvmlGpu[],
  cuda: NativeCudaDriverInfo | undefined,
  findUuid: (uuid: string) => number | undefined,
  cudaDeviceOrder: string | undefined,
): CudaDeviceMapping {
  const entries = parseCudaVisibleDevices(spec);
  const notes: string[] = [];
  const useCuda = cuda?.available === true;
  if (!useCuda && entries.some((e) => e.kind === "index") && cudaDeviceOrder !== "PCI_BUS_ID" && gpus.length > 1) {
    notes.push(
      `the CUDA driver is unavailable (${cuda?.reason ?? "not loaded"}), so indices were taken in PCI bus order; ` +
        `set CUDA_DEVICE_ORDER=PCI_BUS_ID so that CUDA uses the same order, or name GPUs by UUID.`,
    );
  }
  const devices = entries.map((entry, cudaOrdinal): ResolvedCudaDevice => {
    const where = `CUDA_VISIBLE_DEVICES="${spec}": entry ${cudaOrdinal + 1} ("${entry.text}")`;
    if (entry.kind === "index") {
      if (useCuda) {
        const dev = cuda.devices[entry.ordinal];
        if (!dev) {
          throw new CudaVisibleDevicesError(
            `${where} names CUDA device ${entry.ordinal}, but CUDA sees ${cuda.devices.length} device(s) (0-${cuda.devices.length - 1}).`,
          );
        }
        if (dev.nvmlIndex === undefined) {
          // A device CUDA sees but NVML does not list cannot be measured: saying "CUDA sees N devices" would contradict the entry.
          throw new CudaVisibleDevicesError(
            `${where} names CUDA device ${entry.ordinal} (${dev.uuid}), which NVML does not list, so lem cannot measure it. ` +
              `Name a GPU that "lem devices" lists, by UUID.`,
          );
        }
        const gpu = gpus.find((g) => g.index === dev.nvmlIndex);
        return {
          cudaOrdinal,
          entry: entry.text,
          nvmlIndex: dev.nvmlIndex,
          uuid: gpu?.uuid ?? dev.uuid,
          ...(dev.uuid.startsWith("MIG-") ? { migUuid: dev.uuid } : {}),
        };
      }
      const gpu = gpus[entry.ordinal];
      if (!gpu) {
        throw new CudaVisibleDevicesError(`${where} names GPU ${entry.ordinal}, but there are ${gpus.length} GPU(s).`);
      }
      return { cudaOrdinal, entry: entry.text, nvmlIndex: gpu.index, uuid: gpu.uuid };
    }
    if (entry.kind === "gpu-uuid") {
      const matches = gpus.filter((g) => g.uuid.toLowerCase().startsWith(entry.text.toLowerCase()));
      if (matches.length !== 1) {
        throw new CudaVisibleDevicesError(
          matches.length === 0
            ? `${where} matches no GPU. Known UUIDs: ${gpus.map((g) => g.uuid).join(", ") || "none"}.`
            : `${where} is ambiguous: it is a prefix of ${matches.map((g) => g.uuid).join(" and ")}. Give more of the UUID.`,
        );
      }
      const gpu = matches[0]!;
      return { cudaOrdinal, entry: entry.text, nvmlIndex: gpu.index, uuid: gpu.uuid };
    }
    const parent = findUuid(entry.text);
    if (parent === undefined) {
      throw new CudaVisibleDevicesError(
        `${where} matches no MIG instance. Give the full MIG UUID as "nvidia-smi -L" prints it.`,
      );
    }
    const gpu = gpus.find((g) => g.index === parent);
    return { cudaOrdinal, entry: entry.text, nvmlIndex: parent, uuid: gpu?.uuid ?? "", migUuid: entry.text };
  });
  return { spec, devices, method: useCuda ? "cuda-driver" : "pci-order", notes };
}

/**
 * The GPUs a CUDA program started with `spec` as its CUDA_VISIBLE_DEVICES would use
 * (default: this process's own value; unset means every GPU, in CUDA's order).
 */
export function resolveCudaVisibleDevices(spec: string | undefined = process.env.CUDA_VISIBLE_DEVICES): CudaDeviceMapping {
  requireNvml();
  const gpus = call(() => native().listDevices()).map((d) => ({ index: d.index, uuid: d.uuid }));
  const own = process.env.CUDA_VISIBLE_DEVICES;
  const cuda = call(() => native().cudaDevices());
  const findUuid = (uuid: string) => call(() => native().indexForUuid(uuid));
  const order = process.env.CUDA_DEVICE_ORDER;
  if (spec === undefined) {
    // Every GPU, as CUDA enumerates them.
    if (cuda.available && cuda.devices.every((d) => d.nvmlIndex !== undefined)) {
      return {
        spec,
        devices: cuda.devices.map((d) => ({
          cudaOrdinal: d.ordinal,
          entry: String(d.ordinal),
          nvmlIndex: d.nvmlIndex!,
          uuid: gpus.find((g) => g.index === d.nvmlIndex)?.uuid ?? d.uuid,
          ...(d.uuid.startsWith("MIG-") ? { migUuid: d.uuid } : {}),
        })),
        method: "cuda-driver",
        notes: [],
      };
    }
    // The mapping is of the value examined (unset), not of the index list it is computed from.
    return { ...mapCudaVisibleDevices(gpus.map((g) => String(g.index)).join(","), gpus, undefined, findUuid, "PCI_BUS_ID"), spec };
  }
  if (own !== undefined && own !== spec && parseCudaVisibleDevices(spec).some((e) => e.kind === "index")) {
    // The driver enumerated only this process's own CUDA_VISIBLE_DEVICES: other indices cannot be mapped.
    throw new CudaVisibleDevicesError(
      `CUDA_VISIBLE_DEVICES="${spec}" uses indices, but lem itself runs with CUDA_VISIBLE_DEVICES="${own}", ` +
        `so CUDA's full numbering is hidden from it. Name the GPUs by UUID ("lem devices" lists them), or unset lem's own CUDA_VISIBLE_DEVICES.`,
    );
  }
  if (own !== undefined && own === spec && cuda.available) {
    // The driver already applied this very value: its ordinals are the answer; parsing still validates.
    const entries = parseCudaVisibleDevices(spec);
    const mapping = mapCudaVisibleDevices(
      entries.map((_, i) => String(i)).join(","),
      gpus,
      cuda,
      findUuid,
      order,
    );
    mapping.spec = spec;
    mapping.devices.forEach((d, i) => (d.entry = entries[i]!.text));
    return mapping;
  }
  return mapCudaVisibleDevices(spec, gpus, cuda, findUuid, order);
}
