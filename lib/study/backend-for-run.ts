/**
 * Runs one run's backend, whichever it is: builds the child's command (command template,
 * transformers or llama.cpp harness) or the server's launch, wraps it in `docker run` when the
 * experiment names an image, and hands back the backend's outcome. Composes lib/backends.
 */
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { isServerBackend, type ExperimentConfig } from "../config/schema.js";
import type { BackendOutcome } from "../backends/backend-outcome.js";
import { runChildBackend } from "../backends/child-backend.js";
import { trackContainer, untrackContainer } from "../backends/child-process.js";
import { fillArgv } from "../backends/command-template.js";
import { dockerRunArgv, dockerKillArgv } from "../backends/docker/docker-run-argv.js";
import { imageDigest } from "../backends/docker/image-digest.js";
import { llamaCppArgv } from "../backends/llamacpp/llamacpp-argv.js";
import { runServerBackend } from "../backends/server-backend.js";
import { findPython } from "../backends/transformers/find-python.js";
import { harnessPath, transformersArgv } from "../backends/transformers/transformers-argv.js";
import type { Prompt } from "../datasets/prompt.js";
import { execa } from "execa";

export interface BackendRunContext {
  config: ExperimentConfig;
  slug: string;
  runDir: string;
  /** A name unique to this run (container names). */
  runName: string;
  prompts: Prompt[];
  promptsFile: string;
  /** NVML UUIDs of the run's GPUs (a container gets exactly these). */
  gpuUuids: string[];
  /** Directory relative paths in the configuration are resolved against (the study file's). */
  baseDir: string;
  runTimeoutMs: number;
  silenceTimeoutMs: number;
  signal: AbortSignal;
  onSpawn: (pid: number) => void;
}

/** lem's own environment plus what every backend child gets. */
function childEnv(ctx: BackendRunContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  // lem says where a child's protocol goes (fd 3, or a file for a container), not its own environment.
  delete env.LEM_PROTOCOL_PATH;
  if (ctx.config.devices !== undefined) env.CUDA_VISIBLE_DEVICES = ctx.config.devices;
  return Object.assign(env, lemVariables(ctx));
}

/** The variables lem passes to a backend: warm-up size and where the prompts are. */
function lemVariables(ctx: BackendRunContext): Record<string, string> {
  return { LEM_WARMUP_REQUESTS: String(ctx.config.measurement.warmupRequests), LEM_PROMPTS_FILE: ctx.promptsFile };
}

interface DockerWrap {
  argv: (argv: string[]) => string[];
  stop: () => Promise<void>;
  details: Record<string, unknown>;
  protocolFile: string;
}

/** `workdir`: the working directory inside the container (a command's `command.cwd`, as written). */
async function dockerWrap(ctx: BackendRunContext, extraEnv: Record<string, string>, workdir?: string): Promise<DockerWrap | undefined> {
  const d = ctx.config.docker;
  if (!d) return undefined;
  // The run directory's hash makes the name this study directory's and this run's alone (the
  // same study file run twice gets other names), so that a leftover of an earlier attempt of
  // this run (lem was killed; its container ran on, holding the GPUs and the name) can be removed.
  const runDirHash = createHash("sha256").update(ctx.runDir).digest("hex").slice(0, 8);
  const containerName = `lem-${ctx.runName}`.replace(/[^\w.-]/g, "-").slice(0, 110) + `-${runDirHash}`;
  await execa(d.docker, ["rm", "--force", containerName], { reject: false, timeout: 30_000 });
  const protocolFile = join(ctx.runDir, "protocol.jsonl");
  const digest = await imageDigest(d.docker, d.image, 15_000);
  // The run directory (prompts in, protocol out) and lem's harnesses appear at the same paths inside.
  const harnessDir = resolve(harnessPath(), "..", "..");
  const workdirMounts = [
    { host: ctx.runDir, container: ctx.runDir },
    { host: harnessDir, container: harnessDir, readOnly: true },
  ];
  const stop = async () => {
    // `docker run`'s client may be gone while its container runs on: remove the container by name.
    await execa(d.docker, dockerKillArgv(d.docker, containerName).slice(1), { reject: false, timeout: 30_000 });
    untrackContainer(containerName);
  };
  return {
    argv: (argv) => {
      // From here until stop(), an exiting lem (a second Ctrl-C) kills the container too.
      trackContainer(d.docker, containerName);
      return dockerRunArgv({
        docker: d.docker,
        image: d.image,
        containerName,
        gpuUuids: ctx.gpuUuids,
        workdirMounts,
        mounts: d.mounts.map((m) => resolve(ctx.baseDir, m)),
        ...(d.envFile ? { envFile: resolve(ctx.baseDir, d.envFile) } : {}),
        env: { ...lemVariables(ctx), LEM_PROTOCOL_PATH: protocolFile, ...extraEnv },
        network: "host",
        extraArgs: [...(workdir ? ["--workdir", workdir] : []), ...d.extraArgs],
        argv,
      });
    },
    stop,
    details: { docker: { image: d.image, digest: digest.digest, imageId: digest.id, container: containerName, ...(digest.error ? { error: digest.error } : {}) } },
    protocolFile,
  };
}

/** The child program of a non-server backend, and how its window is found. */
function childCommand(ctx: BackendRunContext, inContainer: boolean): { argv: string[]; measure: "auto" | "window" | "lifetime"; env: Record<string, string>; cwd?: string } {
  const c = ctx.config;
  switch (c.backend) {
    case "command": {
      const command = c.command!;
      return {
        argv: fillArgv(command.argv, c as unknown as Record<string, unknown>, ctx.slug),
        measure: command.measure,
        env: command.env,
        ...(command.cwd ? { cwd: resolve(ctx.baseDir, command.cwd) } : {}),
      };
    }
    case "transformers": {
      // Inside a container the image's own Python runs the harness.
      const python = inContainer ? (c.transformers?.python ?? "python3") : findPython(c.transformers?.python).interpreter;
      return { argv: transformersArgv(c, { python, promptsFile: ctx.promptsFile }), measure: "window", env: {} };
    }
    case "llamacpp":
      return {
        argv: llamaCppArgv(c, { promptsFile: ctx.promptsFile, baseDir: ctx.baseDir, ...(inContainer ? { node: "node" } : {}) }),
        measure: "window",
        env: {},
      };
    default:
      throw new Error(`${c.backend} is a server backend`);
  }
}

export async function runBackend(ctx: BackendRunContext): Promise<BackendOutcome> {
  const c = ctx.config;
  const logFile = join(ctx.runDir, isServerBackend(c.backend) ? "server.log" : "child.log");
  if (isServerBackend(c.backend)) {
    const wrap = await dockerWrap(ctx, c.server?.env ?? {});
    return runServerBackend({
      backend: c.backend,
      config: c,
      slug: ctx.slug,
      baseDir: ctx.baseDir,
      prompts: ctx.prompts,
      env: childEnv(ctx),
      logFile,
      runTimeoutMs: ctx.runTimeoutMs,
      signal: ctx.signal,
      onSpawn: ctx.onSpawn,
      ...(wrap ? { wrap } : {}),
    });
  }
  const inContainer = c.docker !== undefined;
  const child = childCommand(ctx, inContainer);
  const wrap = await dockerWrap(ctx, child.env, c.backend === "command" ? c.command?.cwd : undefined);
  const outcome = await runChildBackend({
    argv: wrap ? wrap.argv(child.argv) : child.argv,
    env: { ...childEnv(ctx), ...child.env },
    ...(child.cwd && !wrap ? { cwd: child.cwd } : {}),
    measure: child.measure,
    logFile,
    runTimeoutMs: ctx.runTimeoutMs,
    silenceTimeoutMs: ctx.silenceTimeoutMs,
    signal: ctx.signal,
    onSpawn: ctx.onSpawn,
    ...(wrap ? { protocolFile: wrap.protocolFile, afterExit: () => wrap.stop() } : {}),
  });
  if (wrap) outcome.details = { ...outcome.details, ...wrap.details };
  return outcome;
}
