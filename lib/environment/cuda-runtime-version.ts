/**
 * Which CUDA runtime version the machine has, and where that answer came from. A chain, first
 * answer wins: the libcudart the native core loads -> version.json / version.txt under
 * $CUDA_HOME then /usr/local/cuda -> `nvcc --version` -> none (saying everything that was tried).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { cudaRuntimeVersion } from "../gpu/cuda.js";
import { formatCudaVersion } from "../gpu/provider.js";
import { findOnPath, runCommand } from "./run-command.js";
import type { CudaRuntimeVersion } from "./schema.js";

/** What the native core says about libcudart (the shape of cudaRuntimeVersion()). */
export interface CudartProbe {
  available: boolean;
  /** CUDA's integer form, e.g. 12040. */
  version?: number;
  library?: string;
  reason?: string;
}

export interface CudaRuntimeChainOptions {
  /** Link 1. Default: the native core's cudaRuntimeVersion(). */
  runtime?: () => CudartProbe;
  /** Link 2, searched in order. Default: $CUDA_HOME (if set), then /usr/local/cuda. */
  cudaHomes?: string[];
  /** Link 3: the nvcc to run. Default: "nvcc" on PATH. */
  nvcc?: string;
  /** Time limit for nvcc. Default 20 s. */
  timeoutMs?: number;
  /** Where $CUDA_HOME and PATH are read from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

const VERSION = /^\d+\.\d+(\.\d+)*$/;

/** Runs the chain. Never throws: with no answer, source is "none" and detail lists each failure. */
export async function detectCudaRuntimeVersion(options: CudaRuntimeChainOptions = {}): Promise<CudaRuntimeVersion> {
  const env = options.env ?? process.env;
  const tried: string[] = [];

  const runtime = probeRuntime(options.runtime ?? cudaRuntimeVersion);
  if ("version" in runtime) return runtime.version;
  tried.push(runtime.failure);

  const homes = options.cudaHomes ?? defaultCudaHomes(env);
  for (const home of homes) {
    const found = await readCudaHome(home);
    if ("version" in found) return found.version;
    tried.push(found.failure);
  }
  if (homes.length === 0) tried.push("CUDA home: none to search");

  const nvcc = options.nvcc ?? "nvcc";
  const fromNvcc = await runNvcc(nvcc, options.timeoutMs ?? 20_000, env);
  if ("version" in fromNvcc) return fromNvcc.version;
  tried.push(fromNvcc.failure);

  return { version: null, source: "none", detail: `no CUDA runtime version found; tried: ${tried.join("; ")}` };
}

/** $CUDA_HOME then /usr/local/cuda, without repeats. */
export function defaultCudaHomes(env: NodeJS.ProcessEnv = process.env): string[] {
  const homes = [env.CUDA_HOME?.trim(), "/usr/local/cuda"].filter((h): h is string => Boolean(h));
  return [...new Set(homes)];
}

type LinkResult = { version: CudaRuntimeVersion } | { failure: string };

function probeRuntime(runtime: () => CudartProbe): LinkResult {
  let probe: CudartProbe;
  try {
    probe = runtime();
  } catch (error) {
    return { failure: `libcudart: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!probe.available || probe.version === undefined || !(probe.version > 0)) {
    return { failure: `libcudart: ${probe.reason ?? "not available"}` };
  }
  return {
    version: { version: formatCudaVersion(probe.version), source: "libcudart", detail: probe.library ?? "libcudart (path unknown)" },
  };
}

/** Reads version.json, then version.txt, in one CUDA home. */
async function readCudaHome(home: string): Promise<LinkResult> {
  const jsonFile = join(home, "version.json");
  const txtFile = join(home, "version.txt");
  const notes: string[] = [];

  const json = await readText(jsonFile);
  if (json.ok) {
    const v = parseVersionJson(json.text);
    if (v) return { version: { version: v, source: "cuda-home-version-json", detail: jsonFile } };
    notes.push(`${jsonFile} has no CUDA version in it`);
  } else notes.push(`${jsonFile}: ${json.reason}`);

  const txt = await readText(txtFile);
  if (txt.ok) {
    const v = parseVersionTxt(txt.text);
    if (v) return { version: { version: v, source: "cuda-home-version-txt", detail: txtFile } };
    notes.push(`${txtFile} has no "CUDA Version X.Y" line`);
  } else notes.push(`${txtFile}: ${txt.reason}`);

  return { failure: notes.join(", ") };
}

/** `{"cuda": {"version": "12.4.1"}}`, falling back to the cudart component's version. Null if neither. */
export function parseVersionJson(text: string): string | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  for (const key of ["cuda", "cuda_cudart"]) {
    const entry = isRecord(data) ? data[key] : undefined;
    const v = isRecord(entry) ? entry.version : undefined;
    if (typeof v === "string" && VERSION.test(v.trim())) return v.trim();
  }
  return null;
}

/** "CUDA Version 11.0.228" -> "11.0.228". */
export function parseVersionTxt(text: string): string | null {
  return /CUDA Version\s+(\d+\.\d+(?:\.\d+)*)/i.exec(text)?.[1] ?? null;
}

/** "Cuda compilation tools, release 12.4, V12.4.131" -> "12.4.131" (the release, "12.4", without a V part). */
export function parseNvccVersion(text: string): string | null {
  const m = /release\s+(\d+\.\d+)(?:,\s*V(\d+\.\d+(?:\.\d+)*))?/.exec(text);
  if (!m) return null;
  return m[2] ?? m[1] ?? null;
}

async function runNvcc(nvcc: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<LinkResult> {
  const r = await runCommand(nvcc, ["--version"], { timeoutMs, env });
  if (!r.ok) return { failure: `nvcc: ${r.reason}` };
  const v = parseNvccVersion(r.stdout) ?? parseNvccVersion(r.stderr);
  if (!v) return { failure: `nvcc: \`${nvcc} --version\` printed no "release X.Y"` };
  return { version: { version: v, source: "nvcc", detail: (await findOnPath(nvcc, env)) ?? nvcc } };
}

async function readText(file: string): Promise<{ ok: true; text: string } | { ok: false; reason: string }> {
  try {
    return { ok: true, text: await readFile(file, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === "ENOENT" ? "not found" : `unreadable (${code ?? String(error)})` };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
