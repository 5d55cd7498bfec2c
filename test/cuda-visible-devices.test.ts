// CUDA_VISIBLE_DEVICES selects physical GPUs through CUDA's own order and UUIDs.
import { describe, expect, it } from "vitest";
import { CudaVisibleDevicesError } from "../lib/errors.js";
import {
  mapCudaVisibleDevices,
  parseCudaVisibleDevices,
  resolveCudaVisibleDevices,
} from "../lib/gpu/cuda-visible-devices.js";
import { listDevices } from "../lib/gpu/devices.js";
import { simulateScenario } from "./support/simulate.js";

delete process.env.CUDA_VISIBLE_DEVICES;
delete process.env.CUDA_DEVICE_ORDER;

const uuid = (n: number) => `GPU-0000000${n}-1111-2222-3333-44444444444${n}`;
const migUuid = "MIG-abcdef01-2345-6789-abcd-ef0123456789";

simulateScenario({
  name: "four-gpus",
  cuda: { available: true, order: [2, 0, 3, 1] },
  devices: [0, 1, 2, 3].map((n) => ({
    name: `Sim ${n}`,
    uuid: uuid(n),
    ...(n === 3 ? { mig: { enabled: true, instances: [{ uuid: migUuid }] } } : {}),
  })),
});

describe("parseCudaVisibleDevices", () => {
  it("parses indices, GPU UUIDs and MIG UUIDs", () => {
    expect(parseCudaVisibleDevices(`1, ${uuid(2)},${migUuid}`)).toEqual([
      { kind: "index", text: "1", ordinal: 1 },
      { kind: "gpu-uuid", text: uuid(2) },
      { kind: "mig-uuid", text: migUuid },
    ]);
  });

  it("reads an empty value or -1 as no GPU at all", () => {
    expect(parseCudaVisibleDevices("")).toEqual([]);
    expect(parseCudaVisibleDevices("-1")).toEqual([]);
  });

  it("rejects a malformed entry, naming it and its position, where CUDA would silently drop the rest", () => {
    expect(() => parseCudaVisibleDevices("0,gpu1,2")).toThrow(
      'CUDA_VISIBLE_DEVICES="0,gpu1,2": entry 2 ("gpu1") is not a device index, a GPU-<uuid> or a MIG-<uuid>.',
    );
  });

  it("rejects a repeated entry", () => {
    expect(() => parseCudaVisibleDevices("1,1")).toThrow(/entry 2 \("1"\) repeats an earlier entry/);
  });
});

describe("resolveCudaVisibleDevices on the simulated driver", () => {
  it("maps indices through CUDA's order, not NVML's", () => {
    const m = resolveCudaVisibleDevices("0,1");
    expect(m.method).toBe("cuda-driver");
    expect(m.devices.map((d) => d.nvmlIndex)).toEqual([2, 0]);
    expect(m.devices[0]).toMatchObject({ cudaOrdinal: 0, entry: "0", uuid: uuid(2) });
  });

  it("maps unset CUDA_VISIBLE_DEVICES to every GPU in CUDA's order", () => {
    expect(resolveCudaVisibleDevices(undefined).devices.map((d) => d.nvmlIndex)).toEqual([2, 0, 3, 1]);
  });

  it("maps a GPU UUID, or a unique prefix of one, to its GPU", () => {
    const m = resolveCudaVisibleDevices(`${uuid(3)},GPU-00000001`);
    expect(m.devices.map((d) => d.nvmlIndex)).toEqual([3, 1]);
  });

  it("maps a MIG UUID to its parent GPU and keeps the MIG UUID", () => {
    const m = resolveCudaVisibleDevices(migUuid);
    expect(m.devices[0]).toMatchObject({ nvmlIndex: 3, uuid: uuid(3), migUuid });
  });

  it("refuses an index beyond the GPUs CUDA sees", () => {
    expect(() => resolveCudaVisibleDevices("0,7")).toThrow(
      'CUDA_VISIBLE_DEVICES="0,7": entry 2 ("7") names CUDA device 7, but CUDA sees 4 device(s) (0-3).',
    );
  });

  it("refuses an ambiguous UUID prefix, naming the candidates", () => {
    expect(() => resolveCudaVisibleDevices("GPU-0000000")).toThrow(CudaVisibleDevicesError);
    expect(() => resolveCudaVisibleDevices("GPU-0000000")).toThrow(/is ambiguous: it is a prefix of GPU-00000000/);
  });

  it("refuses a UUID no GPU has", () => {
    expect(() => resolveCudaVisibleDevices("GPU-deadbeef")).toThrow(/entry 1 \("GPU-deadbeef"\) matches no GPU/);
  });

  it("agrees with lem devices on the UUIDs", () => {
    expect(listDevices().map((d) => d.uuid)).toEqual([0, 1, 2, 3].map(uuid));
  });
});

describe("mapCudaVisibleDevices without the CUDA driver", () => {
  const gpus = [0, 1].map((n) => ({ index: n, uuid: uuid(n) }));
  it("takes indices in PCI order and says so when CUDA's order may differ", () => {
    const m = mapCudaVisibleDevices("1", gpus, { available: false, reason: "no libcuda", devices: [] }, () => undefined, undefined);
    expect(m.method).toBe("pci-order");
    expect(m.devices[0]!.nvmlIndex).toBe(1);
    expect(m.notes[0]).toMatch(/indices were taken in PCI bus order; set CUDA_DEVICE_ORDER=PCI_BUS_ID/);
  });

  it("adds no note when CUDA_DEVICE_ORDER=PCI_BUS_ID makes the orders equal", () => {
    const m = mapCudaVisibleDevices("1,0", gpus, undefined, () => undefined, "PCI_BUS_ID");
    expect(m.devices.map((d) => d.nvmlIndex)).toEqual([1, 0]);
    expect(m.notes).toEqual([]);
  });
});
