/**
 * Pre-flight check "docker": everything a containerised backend needs, all reported at once:
 * the docker CLI, a reachable daemon, the NVIDIA container toolkit, the image (pulled here when
 * the policy says so) and the env file. No GPU is touched and no container is started.
 *
 * The toolkit counts as present when any of these holds (each is how `--gpus` can work):
 * - the daemon lists a runtime named like "nvidia" (`nvidia-ctk runtime configure` registers it);
 * - the daemon reports CDI devices named nvidia.com/gpu=... (`DiscoveredDevices`, Docker 28.2+);
 * - nvidia-container-runtime-hook is on this machine's PATH (the daemon's default runtime calls
 *   it for --gpus; this one assumes the daemon runs here, which --network host needs anyway).
 */
import { accessSync, constants, statSync } from "node:fs";
import { findExecutable, lastLine, runProbe, type ProbeResult } from "../process/probe.js";
import type { CheckOutcome } from "./types.js";
import { imageDigest } from "../backends/docker/image-digest.js";

export interface DockerCheckRequest {
  docker: string;
  image: string;
  pull: "missing" | "always" | "never";
  envFile?: string;
  /** Each docker query (version, info, inspect). */
  timeoutMs: number;
  /** `docker pull` (engine images are many GB; default 1 h). */
  pullTimeoutMs?: number;
}

export type DockerCheckOutcome = CheckOutcome;

const CHECK = "docker";

function why(r: ProbeResult, timeoutMs: number): string {
  if (r.timedOut) return `it did not answer within ${timeoutMs} ms`;
  if (r.spawnError) return `it could not be started (${r.spawnError})`;
  return lastLine(r.stderr) ?? lastLine(r.stdout) ?? `it exited with code ${r.exitCode ?? "?"}`;
}

function checkEnvFile(envFile: string, out: DockerCheckOutcome): void {
  let mode: number;
  try {
    const stat = statSync(envFile);
    if (!stat.isFile()) {
      out.failures.push({
        check: CHECK,
        message: `the docker env file ${envFile} (docker.envFile) is not a file.`,
        fix: "Give the path of a file of KEY=VALUE lines.",
      });
      return;
    }
    mode = stat.mode;
    accessSync(envFile, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    out.failures.push({
      check: CHECK,
      message:
        code === "ENOENT"
          ? `the docker env file ${envFile} (docker.envFile) does not exist.`
          : `the docker env file ${envFile} (docker.envFile) cannot be read (${code ?? String(error)}).`,
      fix: code === "ENOENT" ? "Create it (KEY=VALUE lines, e.g. HF_TOKEN=...), or correct docker.envFile." : `Make it readable by lem's user (chmod 600 ${envFile}, owned by that user).`,
    });
    return;
  }
  if (mode & 0o004) {
    out.warnings.push({
      check: "docker-env-file",
      message: `the docker env file ${envFile} is readable by every user of this machine, and it usually holds secrets (HF_TOKEN).`,
      fix: `Restrict it: chmod 600 ${envFile}.`,
    });
  }
}

/** True when the daemon can give containers NVIDIA GPUs (see the header for the rule). */
export function hasNvidiaToolkit(info: unknown, path = process.env.PATH ?? ""): boolean {
  const o = typeof info === "object" && info !== null ? (info as Record<string, unknown>) : {};
  const runtimes = typeof o.Runtimes === "object" && o.Runtimes !== null ? Object.keys(o.Runtimes) : [];
  if (runtimes.some((r) => r.toLowerCase().includes("nvidia"))) return true;
  const devices = Array.isArray(o.DiscoveredDevices) ? o.DiscoveredDevices : [];
  if (devices.some((d) => typeof d === "object" && d !== null && String((d as { ID?: unknown }).ID ?? "").startsWith("nvidia.com/gpu"))) return true;
  return findExecutable("nvidia-container-runtime-hook", path) !== undefined;
}

async function checkToolkit(docker: string, timeoutMs: number, out: DockerCheckOutcome): Promise<void> {
  const r = await runProbe(docker, ["info", "--format", "{{json .}}"], timeoutMs);
  let info: unknown;
  try {
    info = r.ok ? JSON.parse(r.stdout) : undefined;
  } catch {
    info = undefined;
  }
  if (info === undefined) {
    out.failures.push({
      check: CHECK,
      message: `"docker info" failed, so lem cannot tell whether containers can use the GPUs: ${r.ok ? "its output was not JSON" : why(r, timeoutMs)}.`,
      fix: 'Run "docker info" yourself and repair what it reports.',
    });
    return;
  }
  if (!hasNvidiaToolkit(info)) {
    const runtimes = Object.keys(((info as { Runtimes?: object }).Runtimes ?? {}) as object);
    out.failures.push({
      check: CHECK,
      message:
        `the NVIDIA container toolkit is not set up for Docker: the daemon lists no "nvidia" runtime (runtimes: ${runtimes.join(", ") || "none"}), ` +
        "no CDI nvidia.com/gpu devices, and nvidia-container-runtime-hook is not on PATH, so --gpus would fail.",
      fix: "Install the NVIDIA Container Toolkit, then run: sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker.",
    });
  }
}

async function checkImage(docker: string, o: DockerCheckRequest, out: DockerCheckOutcome): Promise<void> {
  const present = (await imageDigest(docker, o.image, o.timeoutMs)).id !== null;
  if (!present && o.pull === "never") {
    out.failures.push({
      check: CHECK,
      message: `the image ${o.image} is not on this machine, and docker.pull is "never".`,
      fix: `Pull it (docker pull ${o.image}), or set docker.pull to "missing".`,
    });
    return;
  }
  if (o.pull === "always" || !present) {
    const pullTimeoutMs = o.pullTimeoutMs ?? 3_600_000;
    const r = await runProbe(docker, ["pull", o.image], pullTimeoutMs);
    if (!r.ok) {
      out.failures.push({
        check: CHECK,
        message: `docker pull ${o.image} failed (${o.pull === "always" ? 'docker.pull is "always"' : "the image is not on this machine"}): ${why(r, pullTimeoutMs)}.`,
        fix: "Check the image name and tag, log in to its registry (docker login REGISTRY) if it is private, and check the network; or pull it yourself.",
      });
    }
  }
}

/** Runs every docker check for one image; collects all failures rather than stopping at the first. */
export async function checkDocker(o: DockerCheckRequest): Promise<DockerCheckOutcome> {
  const out: DockerCheckOutcome = { failures: [], warnings: [] };
  const found = findExecutable(o.docker);
  if (!found) {
    out.failures.push({
      check: CHECK,
      message: o.docker.includes("/")
        ? `the docker CLI ${o.docker} (docker.docker) does not exist or is not executable.`
        : `the docker CLI "${o.docker}" is not on PATH (${process.env.PATH ?? "PATH is unset"}).`,
      fix: "Install Docker Engine (https://docs.docker.com/engine/install/), or set docker.docker to the path of the docker executable.",
    });
  } else {
    const version = await runProbe(found, ["version", "--format", "{{.Server.Version}}"], o.timeoutMs);
    if (!version.ok || version.stdout.trim() === "") {
      const denied = /permission denied/i.test(version.stderr);
      out.failures.push({
        check: CHECK,
        message: denied
          ? `the Docker daemon refused lem's user: ${why(version, o.timeoutMs)}.`
          : `Cannot connect to the Docker daemon ("docker version" failed: ${why(version, o.timeoutMs)}).`,
        fix: denied
          ? "Add your user to the docker group (sudo usermod -aG docker $USER, then log in again), or use rootless Docker and set DOCKER_HOST."
          : "Start the daemon (sudo systemctl start docker), or set DOCKER_HOST to a running one.",
      });
    } else {
      // The daemon answers: the toolkit and the image can be checked side by side.
      const toolkit: DockerCheckOutcome = { failures: [], warnings: [] };
      const image: DockerCheckOutcome = { failures: [], warnings: [] };
      await Promise.all([checkToolkit(found, o.timeoutMs, toolkit), checkImage(found, o, image)]);
      for (const part of [toolkit, image]) {
        out.failures.push(...part.failures);
        out.warnings.push(...part.warnings);
      }
    }
  }
  if (o.envFile !== undefined) checkEnvFile(o.envFile, out);
  return out;
}

/** checkDocker for each distinct request (experiments often share one image); an issue reported by several is listed once. */
export async function checkDockerAll(
  requests: Omit<DockerCheckRequest, "timeoutMs">[],
  timeoutMs: number,
): Promise<DockerCheckOutcome> {
  const out: DockerCheckOutcome = { failures: [], warnings: [] };
  const seen = new Set<string>();
  const distinct = new Map(requests.map((r) => [JSON.stringify([r.docker, r.image, r.pull, r.envFile ?? null]), r]));
  // One after another: two pulls at once would compete for the same disk and network.
  for (const r of distinct.values()) {
    const outcome = await checkDocker({ ...r, timeoutMs });
    for (const [list, into] of [
      [outcome.failures, out.failures],
      [outcome.warnings, out.warnings],
    ] as const) {
      for (const issue of list) {
        const key = `${issue.check}\n${issue.message}`;
        if (!seen.has(key)) {
          seen.add(key);
          into.push(issue);
        }
      }
    }
  }
  return out;
}
