/**
 * The idle baseline of a study whose backend runs in a container is measured beside an idle
 * container of the same image (its init, its driver state on the GPUs it is given), so that
 * what the baseline subtracts is what the run's container costs at rest.
 */
import { execa } from "execa";
import type { DockerSchema } from "../config/schema.js";
import { dockerKillArgv, dockerRunArgv } from "../backends/docker/docker-run-argv.js";
import { trackContainer, untrackContainer } from "../backends/child-process.js";
import type { z } from "zod";

type DockerConfig = z.output<typeof DockerSchema>;

export interface IdleContainer {
  name: string;
  /** Removes the container (never throws: it may already be gone). */
  remove: () => Promise<void>;
}

/** Starts `IMAGE sleep infinity` detached on the GPUs; throws with docker's own message when it cannot. */
export async function startIdleContainer(d: DockerConfig, gpuUuids: string[], name: string): Promise<IdleContainer> {
  const argv = dockerRunArgv({
    docker: d.docker,
    image: d.image,
    containerName: name,
    gpuUuids,
    workdirMounts: [],
    mounts: [],
    env: {},
    network: "host",
    extraArgs: ["--detach", "--entrypoint", "sleep"],
    argv: ["infinity"],
  });
  trackContainer(d.docker, name); // an exiting lem removes it too
  const r = await execa(argv[0]!, argv.slice(1), { reject: false, timeout: 120_000 });
  if (r.exitCode !== 0) {
    throw new Error(`the idle container for the baseline could not be started (${argv.join(" ")}): ${(r.stderr || r.stdout).trim().split("\n").pop()}`);
  }
  return {
    name,
    remove: async () => {
      const kill = dockerKillArgv(d.docker, name);
      await execa(kill[0]!, kill.slice(1), { reject: false, timeout: 30_000 });
      untrackContainer(name);
    },
  };
}
