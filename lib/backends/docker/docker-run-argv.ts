/**
 * The `docker run` command that runs a backend's child or server inside an image: removed on
 * exit, an init process that forwards signals and reaps, the host's network (the server's port
 * and lem's health checks need no mapping) and IPC namespace (engines share memory between
 * workers), exactly the GPUs lem measures (by NVML UUID), secrets only through --env-file.
 */

export interface DockerMount {
  host: string;
  container: string;
  readOnly?: boolean;
}

export interface DockerRunOptions {
  docker: string;
  image: string;
  containerName: string;
  /** NVML UUIDs ("GPU-...") of the GPUs selected; none: no --gpus at all. */
  gpuUuids: string[];
  /** Directories the run reads and writes (e.g. the run directory). */
  workdirMounts: DockerMount[];
  /** Host paths mounted read-only at the same path (models, datasets). */
  mounts: string[];
  /** KEY=VALUE lines for secrets: they stay out of argv, `ps` and results. */
  envFile?: string;
  /** Non-secret variables (e.g. LEM_WARMUP_REQUESTS), written into argv. */
  env: Record<string, string>;
  network: "host";
  extraArgs: string[];
  /** The command run inside the image. */
  argv: string[];
}

/**
 * The value of --gpus for a list of devices. Docker reads it as CSV, so a list must be one
 * quoted field, quotes included in the argument (the shell form is `--gpus '"device=a,b"'`);
 * unquoted, `device=a,b` is split at the comma and fails.
 */
export function gpusValue(gpuUuids: string[]): string {
  return `"device=${gpuUuids.join(",")}"`;
}

export function dockerRunArgv(o: DockerRunOptions): string[] {
  const argv = [o.docker, "run", "--rm", "--init", "--name", o.containerName, "--network", o.network, "--ipc", "host"];
  if (o.gpuUuids.length > 0) argv.push("--gpus", gpusValue(o.gpuUuids));
  // --env-file first: docker lets a later -e override a variable of the file.
  if (o.envFile !== undefined) argv.push("--env-file", o.envFile);
  for (const [key, value] of Object.entries(o.env)) argv.push("-e", `${key}=${value}`);
  for (const m of o.workdirMounts) argv.push("-v", `${m.host}:${m.container}${m.readOnly ? ":ro" : ""}`);
  for (const path of o.mounts) argv.push("-v", `${path}:${path}:ro`);
  return [...argv, ...o.extraArgs, o.image, ...o.argv];
}

/** Stops a container: SIGTERM to its init, SIGKILL after `timeoutS`. */
export function dockerStopArgv(docker: string, containerName: string, timeoutS = 10): string[] {
  return [docker, "stop", "-t", String(timeoutS), containerName];
}

/** Kills a container at once (the `docker run` client may be gone while the container runs on). */
export function dockerKillArgv(docker: string, containerName: string): string[] {
  return [docker, "kill", containerName];
}
