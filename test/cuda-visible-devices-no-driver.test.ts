// CUDA_VISIBLE_DEVICES on a machine whose CUDA driver cannot be loaded (simulated GPUs, CUDA off),
// and the UUID each mapped GPU carries.
import { describe, expect, it } from "vitest";
import { mapCudaVisibleDevices, resolveCudaVisibleDevices } from "../lib/gpu/cuda-visible-devices.js";
import type { NativeCudaDriverInfo } from "../lib/native.js";
import { simulateScenario } from "./support/simulate.js";

delete process.env.CUDA_VISIBLE_DEVICES;
delete process.env.CUDA_DEVICE_ORDER;

const uuid = (n: number) => `GPU-0000000${n}-1111-2222-3333-44444444444${n}`;

simulateScenario({ name: "three-gpus-no-cuda", cuda: { available: false }, devices: [0, 1, 2].map((n) => ({ name: `Sim ${n}`, uuid: uuid(n) })) });

describe("without the CUDA driver", () => {
  it("maps unset CUDA_VISIBLE_DEVICES to every GPU in PCI order, each with its own UUID", () => {
    const m = resolveCudaVisibleDevices(undefined);
    expect(m.method).toBe("pci-order");
    expect(m.devices).toEqual([0, 1, 2].map((n) => ({ cudaOrdinal: n, entry: String(n), nvmlIndex: n, uuid: uuid(n) })));
    expect(m.notes).toEqual([]);
  });

  it("maps indices in PCI order, with a note that CUDA's own order may differ", () => {
    const m = resolveCudaVisibleDevices("2,0");
    expect(m.devices.map((d) => [d.nvmlIndex, d.uuid])).toEqual([
      [2, uuid(2)],
      [0, uuid(0)],
    ]);
    expect(m.notes).toHaveLength(1);
    expect(m.notes[0]).toContain("so indices were taken in PCI bus order");
  });

  it("refuses an index beyond the GPUs there are", () => {
    expect(() => resolveCudaVisibleDevices("3")).toThrow('CUDA_VISIBLE_DEVICES="3": entry 1 ("3") names GPU 3, but there are 3 GPU(s).');
  });
});

describe("the UUID of each mapped GPU", () => {
  const gpus = [0, 1, 2].map((n) => ({ index: n, uuid: uuid(n) }));
  const cuda: NativeCudaDriverInfo = {
    available: true,
    devices: [
      { ordinal: 0, uuid: uuid(2), nvmlIndex: 2 },
      { ordinal: 1, uuid: uuid(0), nvmlIndex: 0 },
      { ordinal: 2, uuid: uuid(1), nvmlIndex: 1 },
    ],
  };

  it("is that GPU's own, for indices through the driver", () => {
    const m = mapCudaVisibleDevices("0,1,2", gpus, cuda, () => undefined, undefined);
    expect(m.devices.map((d) => [d.nvmlIndex, d.uuid])).toEqual([
      [2, uuid(2)],
      [0, uuid(0)],
      [1, uuid(1)],
    ]);
    expect(m.method).toBe("cuda-driver");
    expect(m.notes).toEqual([]);
  });

  it("is that GPU's own, for UUIDs", () => {
    const m = mapCudaVisibleDevices(`${uuid(1)},${uuid(2)}`, gpus, undefined, () => undefined, undefined);
    expect(m.devices.map((d) => [d.cudaOrdinal, d.nvmlIndex, d.uuid])).toEqual([
      [0, 1, uuid(1)],
      [1, 2, uuid(2)],
    ]);
  });

  it("is the parent's, with the MIG UUID beside it, for a MIG instance", () => {
    const mig = "MIG-abcdef01-2345-6789-abcd-ef0123456789";
    const m = mapCudaVisibleDevices(mig, gpus, undefined, (u) => (u === mig ? 1 : undefined), undefined);
    expect(m.devices).toEqual([{ cudaOrdinal: 0, entry: mig, nvmlIndex: 1, uuid: uuid(1), migUuid: mig }]);
  });

  it("adds no PCI-order note for a single GPU or for UUIDs only", () => {
    expect(mapCudaVisibleDevices("0", [gpus[0]!], undefined, () => undefined, undefined).notes).toEqual([]);
    expect(mapCudaVisibleDevices(uuid(1), gpus, undefined, () => undefined, undefined).notes).toEqual([]);
  });
});
