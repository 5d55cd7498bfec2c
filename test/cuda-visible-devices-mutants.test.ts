// CUDA_VISIBLE_DEVICES, exactly: every rule of the parser and the mapping, each with the exact
// result or message, so that a changed rule (mutation testing, issue 16) fails a test.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  mapCudaVisibleDevices,
  parseCudaVisibleDevices,
  resolveCudaVisibleDevices,
} from "../lib/gpu/cuda-visible-devices.js";
import { native, type NativeCudaDriverInfo } from "../lib/native.js";
import { simulateScenario } from "./support/simulate.js";

delete process.env.CUDA_VISIBLE_DEVICES;
delete process.env.CUDA_DEVICE_ORDER;

const uuid = (n: number) => `GPU-0000000${n}-1111-2222-3333-44444444444${n}`;
const mig = "MIG-abcdef01-2345-6789-abcd-ef0123456789";
const gpus = [0, 1, 2].map((n) => ({ index: n, uuid: uuid(n) }));
const none = () => undefined;

// Three simulated GPUs; CUDA enumerates them as NVML 2, 0, 1.
simulateScenario({ name: "three-gpus-cuda-order", cuda: { available: true, order: [2, 0, 1] }, devices: [0, 1, 2].map((n) => ({ name: `Sim ${n}`, uuid: uuid(n) })) });

const bad = (spec: string, position: number, text: string) =>
  `CUDA_VISIBLE_DEVICES="${spec}": entry ${position} ("${text}") is not a device index, a GPU-<uuid> or a MIG-<uuid>. Use the indices or UUIDs that "lem devices" lists.`;

describe("parseCudaVisibleDevices, exactly", () => {
  it("rejects a malformed entry with the whole message, the fix included", () => {
    expect(() => parseCudaVisibleDevices("gpu1")).toThrow(bad("gpu1", 1, "gpu1"));
  });

  it("reads blanks around an empty value or -1 as no GPU at all", () => {
    expect(parseCudaVisibleDevices("  ")).toEqual([]);
    expect(parseCudaVisibleDevices(" -1 ")).toEqual([]);
  });

  it("takes a several-digit index, and rejects digits followed by letters", () => {
    expect(parseCudaVisibleDevices("12")).toEqual([{ kind: "index", text: "12", ordinal: 12 }]);
    expect(() => parseCudaVisibleDevices("1a")).toThrow(bad("1a", 1, "1a"));
  });

  it("rejects a UUID with letters that are not hexadecimal before or after its digits", () => {
    expect(() => parseCudaVisibleDevices("GPU-zz12345678")).toThrow(bad("GPU-zz12345678", 1, "GPU-zz12345678"));
    expect(() => parseCudaVisibleDevices("GPU-12345678zz")).toThrow(bad("GPU-12345678zz", 1, "GPU-12345678zz"));
    expect(() => parseCudaVisibleDevices("GPU-1234zz")).toThrow(bad("GPU-1234zz", 1, "GPU-1234zz"));
    expect(() => parseCudaVisibleDevices("MIG-zz")).toThrow(bad("MIG-zz", 1, "MIG-zz"));
  });

  it("takes a UUID prefix of up to 8 digits, lower-cased", () => {
    expect(parseCudaVisibleDevices("GPU-ABCD,MIG-12345678-AB")).toEqual([
      { kind: "gpu-uuid", text: "GPU-abcd" },
      { kind: "mig-uuid", text: "MIG-12345678-ab" },
    ]);
  });

  it("counts an index written with a leading zero as the same device", () => {
    expect(() => parseCudaVisibleDevices("01,1")).toThrow('CUDA_VISIBLE_DEVICES="01,1": entry 2 ("1") repeats an earlier entry; list each GPU once.');
  });
});

describe("mapCudaVisibleDevices, exactly", () => {
  const note = (reason: string) =>
    `the CUDA driver is unavailable (${reason}), so indices were taken in PCI bus order; ` +
    `set CUDA_DEVICE_ORDER=PCI_BUS_ID so that CUDA uses the same order, or name GPUs by UUID.`;

  it("notes the PCI order, with the driver's reason, when any entry is an index", () => {
    const m = mapCudaVisibleDevices(`${uuid(0)},1`, gpus, { available: false, reason: "no libcuda", devices: [] }, none, undefined);
    expect(m.notes).toEqual([note("no libcuda")]);
    expect(m.devices.map((d) => d.nvmlIndex)).toEqual([0, 1]);
  });

  it("says 'not loaded' when the driver was never asked", () => {
    expect(mapCudaVisibleDevices("1", gpus, undefined, none, undefined).notes).toEqual([note("not loaded")]);
  });

  it("refuses a CUDA device that NVML does not list, saying so", () => {
    const cuda: NativeCudaDriverInfo = { available: true, devices: [{ ordinal: 0, uuid: uuid(7) }] };
    expect(() => mapCudaVisibleDevices("0", gpus, cuda, none, undefined)).toThrow(
      `CUDA_VISIBLE_DEVICES="0": entry 1 ("0") names CUDA device 0 (${uuid(7)}), which NVML does not list, so lem cannot measure it. ` +
        `Name a GPU that "lem devices" lists, by UUID.`,
    );
  });

  it("gives a MIG device of the driver its parent's UUID and keeps the MIG UUID", () => {
    const cuda: NativeCudaDriverInfo = { available: true, devices: [{ ordinal: 0, uuid: mig, nvmlIndex: 1 }] };
    expect(mapCudaVisibleDevices("0", gpus, cuda, none, undefined).devices).toEqual([
      { cudaOrdinal: 0, entry: "0", nvmlIndex: 1, uuid: uuid(1), migUuid: mig },
    ]);
  });

  it("keeps the driver's UUID for a device whose NVML index is not among the GPUs", () => {
    const cuda: NativeCudaDriverInfo = { available: true, devices: [{ ordinal: 0, uuid: uuid(5), nvmlIndex: 5 }] };
    expect(mapCudaVisibleDevices("0", gpus, cuda, none, undefined).devices).toEqual([{ cudaOrdinal: 0, entry: "0", nvmlIndex: 5, uuid: uuid(5) }]);
  });

  it("lists every known UUID when a UUID matches none, or says none", () => {
    expect(() => mapCudaVisibleDevices("GPU-deadbeef", gpus, undefined, none, undefined)).toThrow(
      `CUDA_VISIBLE_DEVICES="GPU-deadbeef": entry 1 ("GPU-deadbeef") matches no GPU. Known UUIDs: ${uuid(0)}, ${uuid(1)}, ${uuid(2)}.`,
    );
    expect(() => mapCudaVisibleDevices("GPU-deadbeef", [], undefined, none, undefined)).toThrow(
      'CUDA_VISIBLE_DEVICES="GPU-deadbeef": entry 1 ("GPU-deadbeef") matches no GPU. Known UUIDs: none.',
    );
  });

  it("names both candidates of an ambiguous prefix", () => {
    expect(() => mapCudaVisibleDevices("GPU-0000000", gpus.slice(0, 2), undefined, none, undefined)).toThrow(
      `CUDA_VISIBLE_DEVICES="GPU-0000000": entry 1 ("GPU-0000000") is ambiguous: it is a prefix of ${uuid(0)} and ${uuid(1)}. Give more of the UUID.`,
    );
  });

  it("refuses a MIG UUID no GPU has, saying where to find the right one", () => {
    expect(() => mapCudaVisibleDevices(mig, gpus, undefined, none, undefined)).toThrow(
      `CUDA_VISIBLE_DEVICES="${mig}": entry 1 ("${mig}") matches no MIG instance. Give the full MIG UUID as "nvidia-smi -L" prints it.`,
    );
  });

  it("leaves the UUID empty when a MIG instance's parent is not among the GPUs", () => {
    expect(mapCudaVisibleDevices(mig, gpus, undefined, () => 9, undefined).devices).toEqual([
      { cudaOrdinal: 0, entry: mig, nvmlIndex: 9, uuid: "", migUuid: mig },
    ]);
  });
});

// lem's own CUDA_VISIBLE_DEVICES and the driver's view of it. The driver enumerates only the
// devices of the process's own CUDA_VISIBLE_DEVICES. The simulated driver reads the real
// environment, which a worker thread (the mutation runner's pool) cannot set, so the driver's
// answer for that environment stands in here as a spy, computed for CUDA's order 2, 0, 1.
describe("resolveCudaVisibleDevices with lem's own CUDA_VISIBLE_DEVICES", () => {
  afterEach(() => {
    delete process.env.CUDA_VISIBLE_DEVICES;
    vi.restoreAllMocks();
  });
  const driverSees = (devices: NativeCudaDriverInfo["devices"]) => vi.spyOn(native(), "cudaDevices").mockReturnValue({ available: true, devices });

  it("refuses indices other than its own, which CUDA's numbering hides", () => {
    process.env.CUDA_VISIBLE_DEVICES = "0";
    driverSees([{ ordinal: 0, uuid: uuid(2), nvmlIndex: 2 }]);
    expect(() => resolveCudaVisibleDevices(`${uuid(1)},1`)).toThrow(
      `CUDA_VISIBLE_DEVICES="${uuid(1)},1" uses indices, but lem itself runs with CUDA_VISIBLE_DEVICES="0", ` +
        `so CUDA's full numbering is hidden from it. Name the GPUs by UUID ("lem devices" lists them), or unset lem's own CUDA_VISIBLE_DEVICES.`,
    );
  });

  it("maps UUIDs other than its own by UUID", () => {
    process.env.CUDA_VISIBLE_DEVICES = "0";
    driverSees([{ ordinal: 0, uuid: uuid(2), nvmlIndex: 2 }]);
    expect(resolveCudaVisibleDevices(uuid(1))).toEqual({
      spec: uuid(1),
      devices: [{ cudaOrdinal: 0, entry: uuid(1), nvmlIndex: 1, uuid: uuid(1) }],
      method: "cuda-driver",
      notes: [],
    });
  });

  it("maps its own value through the driver's ordinals, keeping each entry's text", () => {
    process.env.CUDA_VISIBLE_DEVICES = "2,0";
    driverSees([
      { ordinal: 0, uuid: uuid(1), nvmlIndex: 1 },
      { ordinal: 1, uuid: uuid(2), nvmlIndex: 2 },
    ]);
    expect(resolveCudaVisibleDevices("2,0")).toEqual({
      spec: "2,0",
      devices: [
        { cudaOrdinal: 0, entry: "2", nvmlIndex: 1, uuid: uuid(1) },
        { cudaOrdinal: 1, entry: "0", nvmlIndex: 2, uuid: uuid(2) },
      ],
      method: "cuda-driver",
      notes: [],
    });
  });
});

describe("resolveCudaVisibleDevices for unset CUDA_VISIBLE_DEVICES, by the driver's answer", () => {
  afterEach(() => vi.restoreAllMocks());
  const driverSees = (devices: NativeCudaDriverInfo["devices"]) => vi.spyOn(native(), "cudaDevices").mockReturnValue({ available: true, devices });

  it("maps indices through CUDA's order, not NVML's, without lem's own value", () => {
    expect(resolveCudaVisibleDevices("2").devices).toEqual([{ cudaOrdinal: 0, entry: "2", nvmlIndex: 1, uuid: uuid(1) }]);
  });

  it("gives a MIG device its parent's UUID and keeps the MIG UUID", () => {
    driverSees([
      { ordinal: 0, uuid: mig, nvmlIndex: 1 },
      { ordinal: 1, uuid: uuid(0), nvmlIndex: 0 },
    ]);
    expect(resolveCudaVisibleDevices(undefined).devices).toEqual([
      { cudaOrdinal: 0, entry: "0", nvmlIndex: 1, uuid: uuid(1), migUuid: mig },
      { cudaOrdinal: 1, entry: "1", nvmlIndex: 0, uuid: uuid(0) },
    ]);
  });

  it("keeps the driver's UUID for a device whose NVML index is not among the GPUs", () => {
    driverSees([{ ordinal: 0, uuid: uuid(5), nvmlIndex: 5 }]);
    expect(resolveCudaVisibleDevices(undefined).devices).toEqual([{ cudaOrdinal: 0, entry: "0", nvmlIndex: 5, uuid: uuid(5) }]);
  });

  it("falls back to every GPU in PCI order when NVML does not list one of CUDA's devices", () => {
    driverSees([
      { ordinal: 0, uuid: uuid(2), nvmlIndex: 2 },
      { ordinal: 1, uuid: uuid(7) },
    ]);
    expect(resolveCudaVisibleDevices(undefined)).toEqual({
      spec: undefined,
      devices: [0, 1, 2].map((n) => ({ cudaOrdinal: n, entry: String(n), nvmlIndex: n, uuid: uuid(n) })),
      method: "pci-order",
      notes: [],
    });
  });
});
