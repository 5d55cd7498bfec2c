// CUDA_VISIBLE_DEVICES unset, with the CUDA driver: every GPU in CUDA's order, each with its own UUID.
import { describe, expect, it } from "vitest";
import { resolveCudaVisibleDevices } from "../lib/gpu/cuda-visible-devices.js";
import { simulateScenario } from "./support/simulate.js";

delete process.env.CUDA_VISIBLE_DEVICES;
delete process.env.CUDA_DEVICE_ORDER;

const uuid = (n: number) => `GPU-0000000${n}-1111-2222-3333-44444444444${n}`;

simulateScenario({ name: "three-gpus-cuda", cuda: { available: true, order: [2, 0, 1] }, devices: [0, 1, 2].map((n) => ({ name: `Sim ${n}`, uuid: uuid(n) })) });

describe("unset CUDA_VISIBLE_DEVICES with the CUDA driver", () => {
  it("maps every GPU in CUDA's order, each with its own UUID, and says how", () => {
    expect(resolveCudaVisibleDevices(undefined)).toEqual({
      spec: undefined,
      devices: [
        { cudaOrdinal: 0, entry: "0", nvmlIndex: 2, uuid: uuid(2) },
        { cudaOrdinal: 1, entry: "1", nvmlIndex: 0, uuid: uuid(0) },
        { cudaOrdinal: 2, entry: "2", nvmlIndex: 1, uuid: uuid(1) },
      ],
      method: "cuda-driver",
      notes: [],
    });
  });

  it("maps indices through the driver to each GPU's own UUID", () => {
    const m = resolveCudaVisibleDevices("1,2");
    expect(m.devices).toEqual([
      { cudaOrdinal: 0, entry: "1", nvmlIndex: 0, uuid: uuid(0) },
      { cudaOrdinal: 1, entry: "2", nvmlIndex: 1, uuid: uuid(1) },
    ]);
    expect(m.method).toBe("cuda-driver");
  });
});
