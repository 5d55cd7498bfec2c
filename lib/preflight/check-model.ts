/**
 * Check "model": a local path exists, or a Hugging Face hub id is in the local cache.
 * The network is never used: an offline machine or a hub outage must not fail pre-flight,
 * and a model that is only on the hub would be downloaded inside the measurement anyway.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { emptyOutcome, type CheckOutcome } from "./types.js";

const HUB_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

/** The Hugging Face hub cache directory, as huggingface_hub resolves it. */
export function huggingFaceCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, "hub");
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "huggingface", "hub");
}

const looksLocal = (model: string) => isAbsolute(model) || model.startsWith(".") || model.startsWith("~/");

function expandHome(model: string): string {
  return model.startsWith("~/") ? join(homedir(), model.slice(2)) : model;
}

function hasSnapshot(repoDir: string): boolean {
  try {
    return readdirSync(join(repoDir, "snapshots")).length > 0;
  } catch {
    return false;
  }
}

export function checkModel(model: string): CheckOutcome {
  const out = emptyOutcome();
  const path = resolve(expandHome(model));
  if (looksLocal(model)) {
    if (!existsSync(path)) {
      out.failures.push({
        check: "model",
        message: `the model path ${path} does not exist.`,
        fix: "Give the path of a model directory that exists, or a Hugging Face id (org/name) that is in the local cache.",
      });
    }
    return out;
  }
  // A relative path without "./" that exists is taken as a path.
  if (existsSync(path) && statSync(path).isDirectory()) return out;
  if (!HUB_ID.test(model)) {
    out.failures.push({
      check: "model",
      message: `the model "${model}" is neither an existing path nor a Hugging Face id of the form org/name.`,
      fix: "Give a local path (absolute, or starting with ./) or a hub id such as meta-llama/Llama-3.1-8B-Instruct.",
    });
    return out;
  }
  const cache = huggingFaceCacheDir();
  const repoDir = join(cache, `models--${model.replace("/", "--")}`);
  if (!hasSnapshot(repoDir)) {
    out.failures.push({
      check: "model",
      message: `the model "${model}" is not in the local Hugging Face cache: ${join(repoDir, "snapshots")} is missing or empty (cache ${cache}, from HF_HUB_CACHE, HF_HOME or ~/.cache/huggingface/hub; the network is not consulted).`,
      fix: `Download it first ("huggingface-cli download ${model}", or "hf download ${model}"), point HF_HUB_CACHE or HF_HOME at the cache that has it, or give a local path.`,
    });
  }
  return out;
}
