// The CUDA runtime version chain: libcudart -> CUDA home version.json/version.txt -> nvcc -> none.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  detectCudaRuntimeVersion,
  defaultCudaHomes,
  parseNvccVersion,
  parseVersionJson,
  parseVersionTxt,
} from "../lib/environment/cuda-runtime-version.js";
import { CUDA_RUNTIME_SOURCES } from "../lib/environment/schema.js";

const noRuntime = () => ({ available: false, reason: "libcudart.so.13: cannot open shared object file" });
const tempDir = () => mkdtempSync(join(tmpdir(), "lem-cuda-"));

function cudaHome(files: Record<string, string>): string {
  const home = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(home, name), text);
  return home;
}

function fakeNvcc(output: string, exitCode = 0): string {
  const dir = tempDir();
  const file = join(dir, "nvcc");
  writeFileSync(file, `#!/bin/sh\ncat <<'OUT'\n${output}\nOUT\nexit ${exitCode}\n`);
  chmodSync(file, 0o755);
  return file;
}

const NVCC_12_4 = `nvcc: NVIDIA (R) Cuda compiler driver
Copyright (c) 2005-2024 NVIDIA Corporation
Cuda compilation tools, release 12.4, V12.4.131
Build cuda_12.4.r12.4/compiler.34097967_0`;

describe("detectCudaRuntimeVersion", () => {
  it("takes the loaded libcudart first, formatting 12040 as 12.4 with the library as detail", async () => {
    const home = cudaHome({ "version.json": '{"cuda": {"version": "11.8.0"}}' });
    const r = await detectCudaRuntimeVersion({
      runtime: () => ({ available: true, version: 12040, library: "/opt/cuda/lib64/libcudart.so.12" }),
      cudaHomes: [home],
      nvcc: fakeNvcc(NVCC_12_4),
    });
    expect(r).toEqual({ version: "12.4", source: "libcudart", detail: "/opt/cuda/lib64/libcudart.so.12" });
  });

  it("falls back to the CUDA home's version.json when no libcudart loads", async () => {
    const home = cudaHome({ "version.json": JSON.stringify({ cuda: { name: "CUDA SDK", version: "12.4.1" } }) });
    const r = await detectCudaRuntimeVersion({ runtime: noRuntime, cudaHomes: [home], nvcc: "/nonexistent/nvcc" });
    expect(r).toEqual({ version: "12.4.1", source: "cuda-home-version-json", detail: join(home, "version.json") });
  });

  it("reads version.txt when the CUDA home has no version.json", async () => {
    const home = cudaHome({ "version.txt": "CUDA Version 11.0.228\n" });
    const r = await detectCudaRuntimeVersion({ runtime: noRuntime, cudaHomes: [home], nvcc: "/nonexistent/nvcc" });
    expect(r).toEqual({ version: "11.0.228", source: "cuda-home-version-txt", detail: join(home, "version.txt") });
  });

  it("searches CUDA homes in order, the first with a version winning", async () => {
    const empty = tempDir();
    const second = cudaHome({ "version.txt": "CUDA Version 10.2.89" });
    const third = cudaHome({ "version.txt": "CUDA Version 9.0.176" });
    const r = await detectCudaRuntimeVersion({ runtime: noRuntime, cudaHomes: [empty, second, third], nvcc: "/nonexistent/nvcc" });
    expect(r.version).toBe("10.2.89");
    expect(r.detail).toBe(join(second, "version.txt"));
  });

  it("skips a malformed version.json and uses version.txt beside it", async () => {
    const home = cudaHome({ "version.json": "{not json", "version.txt": "CUDA Version 11.8.89" });
    const r = await detectCudaRuntimeVersion({ runtime: noRuntime, cudaHomes: [home], nvcc: "/nonexistent/nvcc" });
    expect(r).toMatchObject({ version: "11.8.89", source: "cuda-home-version-txt" });
  });

  it("runs nvcc --version when no CUDA home has a version file, naming the nvcc it ran", async () => {
    const nvcc = fakeNvcc(NVCC_12_4);
    const r = await detectCudaRuntimeVersion({ runtime: noRuntime, cudaHomes: [tempDir()], nvcc });
    expect(r).toEqual({ version: "12.4.131", source: "nvcc", detail: nvcc });
  });

  it("finds nvcc on PATH and reports its absolute path", async () => {
    const nvcc = fakeNvcc(NVCC_12_4);
    const dir = join(nvcc, "..");
    const r = await detectCudaRuntimeVersion({ runtime: noRuntime, cudaHomes: [], env: { PATH: `${dir}:/usr/bin:/bin` } });
    expect(r).toEqual({ version: "12.4.131", source: "nvcc", detail: nvcc });
  });

  it("says none and lists every link tried, with why each failed", async () => {
    const home = tempDir();
    const r = await detectCudaRuntimeVersion({ runtime: noRuntime, cudaHomes: [home], nvcc: "/nonexistent/nvcc" });
    expect(r.version).toBeNull();
    expect(r.source).toBe("none");
    expect(r.detail).toContain("libcudart: libcudart.so.13: cannot open shared object file");
    expect(r.detail).toContain(`${join(home, "version.json")}: not found`);
    expect(r.detail).toContain(`${join(home, "version.txt")}: not found`);
    expect(r.detail).toContain("nvcc: `/nonexistent/nvcc --version` failed: /nonexistent/nvcc was not found");
  });

  it("reports an nvcc that fails with its exit code", async () => {
    const r = await detectCudaRuntimeVersion({ runtime: noRuntime, cudaHomes: [], nvcc: fakeNvcc("nvcc: broken install", 3) });
    expect(r.source).toBe("none");
    expect(r.detail).toMatch(/nvcc: `.*nvcc --version` exited with code 3: nvcc: broken install/);
  });

  it("treats a libcudart probe that throws as a failed link, not a failed chain", async () => {
    const home = cudaHome({ "version.txt": "CUDA Version 12.1.105" });
    const r = await detectCudaRuntimeVersion({
      runtime: () => {
        throw new Error("native addon not built");
      },
      cudaHomes: [home],
    });
    expect(r).toMatchObject({ version: "12.1.105", source: "cuda-home-version-txt" });
  });

  it("gives a valid version with a known source on this machine's real chain", async () => {
    const r = await detectCudaRuntimeVersion();
    expect(CUDA_RUNTIME_SOURCES).toContain(r.source);
    if (r.source === "none") {
      expect(r.version).toBeNull();
      expect(r.detail).toMatch(/tried: libcudart: /);
    } else {
      expect(r.version).toMatch(/^\d+\.\d+(\.\d+)*$/);
      expect(r.detail.length).toBeGreaterThan(0);
    }
  });
});

describe("CUDA version parsers", () => {
  it("reads the cuda version from version.json, else the cudart component's", () => {
    expect(parseVersionJson('{"cuda": {"version": "12.4.1"}}')).toBe("12.4.1");
    expect(parseVersionJson('{"cuda_cudart": {"name": "CUDA Runtime", "version": "12.6.77"}}')).toBe("12.6.77");
    expect(parseVersionJson('{"cuda": {"version": 12}}')).toBeNull();
    expect(parseVersionJson('["12.4"]')).toBeNull();
  });

  it("reads 'CUDA Version X.Y.Z' from version.txt", () => {
    expect(parseVersionTxt("CUDA Version 11.0.228")).toBe("11.0.228");
    expect(parseVersionTxt("something else")).toBeNull();
  });

  it("reads nvcc's release line, preferring the full V version", () => {
    expect(parseNvccVersion(NVCC_12_4)).toBe("12.4.131");
    expect(parseNvccVersion("Cuda compilation tools, release 10.1")).toBe("10.1");
    expect(parseNvccVersion("command not found")).toBeNull();
  });

  it("searches $CUDA_HOME before /usr/local/cuda, each once", () => {
    expect(defaultCudaHomes({ CUDA_HOME: "/opt/cuda-12.4" })).toEqual(["/opt/cuda-12.4", "/usr/local/cuda"]);
    expect(defaultCudaHomes({ CUDA_HOME: "/usr/local/cuda" })).toEqual(["/usr/local/cuda"]);
    expect(defaultCudaHomes({})).toEqual(["/usr/local/cuda"]);
  });
});
