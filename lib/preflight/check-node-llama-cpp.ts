/**
 * Pre-flight of the llamacpp backend (check "backend"): node-llama-cpp, an optional peer that
 * lem loads only for this backend, can be found from lem's package, and the model is a GGUF
 * file. Nothing is loaded: finding the package and reading four bytes are enough to fail
 * early, before a study starts, with the fix in hand.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import type { PreflightIssue } from "./types.js";
import { llamaCppModelPath } from "../backends/llamacpp/llamacpp-argv.js";

const GGUF_MAGIC = "GGUF";

/** Where node-llama-cpp resolves from lem's package, or null when it is not installed. */
export function resolveNodeLlamaCpp(): string | null {
  // From this file, as the harness (inside lem's package) will resolve it. Its "exports" have
  // an "import" and a "node" condition; require.resolve matches "node".
  try {
    return createRequire(import.meta.url).resolve("node-llama-cpp");
  } catch {
    return null;
  }
}

function firstBytes(path: string, n: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(n);
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

export function checkNodeLlamaCpp(modelPath: string): PreflightIssue[] {
  const issues: PreflightIssue[] = [];
  if (resolveNodeLlamaCpp() === null) {
    issues.push({
      check: "backend",
      message: "the llamacpp backend needs node-llama-cpp, which is not installed where lem can load it.",
      fix: "Install it next to lem: npm install node-llama-cpp (it brings prebuilt llama.cpp binaries for CPU, CUDA and Vulkan).",
    });
  }
  const path = llamaCppModelPath(modelPath);
  if (!existsSync(path)) {
    issues.push({
      check: "backend",
      message: `the llamacpp model file ${path} does not exist.`,
      fix: "Set model to the path of a .gguf file (llama.cpp reads GGUF only; Hugging Face ids are not downloaded by this backend).",
    });
    return issues;
  }
  if (!statSync(path).isFile()) {
    issues.push({
      check: "backend",
      message: `the llamacpp model ${path} is not a file (a directory?).`,
      fix: "Set model to the .gguf file itself, not the directory that holds it.",
    });
    return issues;
  }
  let magic: string;
  try {
    magic = firstBytes(path, 4).toString("latin1");
  } catch (error) {
    issues.push({
      check: "backend",
      message: `the llamacpp model file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
      fix: "Make it readable by the user that runs lem.",
    });
    return issues;
  }
  if (magic !== GGUF_MAGIC) {
    issues.push({
      check: "backend",
      message: `the llamacpp model file ${path} is not a GGUF file (it does not start with "GGUF").`,
      fix: "Give a .gguf model: convert the model with llama.cpp's convert_hf_to_gguf.py, or download its GGUF version.",
    });
  }
  return issues;
}
