// The Docker runner: `docker run` command lines, image identity and the "docker" pre-flight
// check, against a fake docker executable (there is no Docker engine on the build machine).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkDocker, checkDockerAll, hasNvidiaToolkit } from "../lib/preflight/check-docker.js";
import { dockerKillArgv, dockerRunArgv, dockerStopArgv, type DockerRunOptions } from "../lib/backends/docker/docker-run-argv.js";
import { imageDigest, parseInspectOutput, repositoryOf } from "../lib/backends/docker/image-digest.js";
import { freePort, startServer, waitForServer } from "../lib/backends/server/index.js";
import { useSimulatedGpu } from "../lib/gpu/provider.js";
import { PreflightError } from "../lib/preflight/preflight-error.js";
import { runPreflight } from "../lib/preflight/run-preflight.js";

const GPU_A = "GPU-5e1a0000-0000-4000-8000-000000000000";
const GPU_B = "GPU-5e1a0000-0000-4000-8000-000000000001";
const IMAGE = "vllm/vllm-openai:v0.10.1";
const DIGEST = `sha256:${"1f".repeat(32)}`;
const IMAGE_ID = `sha256:${"9e".repeat(32)}`;
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `lem-docker-${p}-`));

const runOptions: DockerRunOptions = {
  docker: "docker",
  image: IMAGE,
  containerName: "lem-study-run-3",
  gpuUuids: [GPU_A, GPU_B],
  workdirMounts: [
    { host: "/results/s/run-3", container: "/results/s/run-3" },
    { host: "/opt/lem/harness", container: "/opt/lem/harness", readOnly: true },
  ],
  mounts: ["/models/llama"],
  envFile: "/home/me/.lem/hf.env",
  env: { LEM_WARMUP_REQUESTS: "4", CUDA_DEVICE_ORDER: "PCI_BUS_ID" },
  network: "host",
  extraArgs: ["--shm-size", "16g"],
  argv: ["vllm", "serve", "/models/llama", "--port", "8000"],
};

const { envFile: _envFile, ...withoutEnvFile } = runOptions;

describe("dockerRunArgv", () => {
  it("builds the whole command line: removal, init, host network and IPC, GPUs by UUID, env, mounts, extras, image, command", () => {
    expect(dockerRunArgv(runOptions)).toEqual([
      "docker", "run", "--rm", "--init", "--name", "lem-study-run-3", "--network", "host", "--ipc", "host",
      "--gpus", `"device=${GPU_A},${GPU_B}"`,
      "--env-file", "/home/me/.lem/hf.env",
      "-e", "LEM_WARMUP_REQUESTS=4", "-e", "CUDA_DEVICE_ORDER=PCI_BUS_ID",
      "-v", "/results/s/run-3:/results/s/run-3", "-v", "/opt/lem/harness:/opt/lem/harness:ro",
      "-v", "/models/llama:/models/llama:ro",
      "--shm-size", "16g",
      IMAGE, "vllm", "serve", "/models/llama", "--port", "8000",
    ]);
  });

  it("quotes even one GPU the same way (docker reads --gpus as CSV), and leaves --gpus and --env-file out when not given", () => {
    expect(dockerRunArgv({ ...runOptions, gpuUuids: [GPU_A] })).toContain(`"device=${GPU_A}"`);
    const bare = dockerRunArgv({ ...withoutEnvFile, gpuUuids: [], env: {}, workdirMounts: [], mounts: [], extraArgs: [] });
    expect(bare).toEqual(["docker", "run", "--rm", "--init", "--name", "lem-study-run-3", "--network", "host", "--ipc", "host", IMAGE, "vllm", "serve", "/models/llama", "--port", "8000"]);
  });

  it("stops and kills containers by name", () => {
    expect(dockerStopArgv("/usr/bin/docker", "lem-run-1")).toEqual(["/usr/bin/docker", "stop", "-t", "10", "lem-run-1"]);
    expect(dockerStopArgv("docker", "lem-run-1", 30)).toEqual(["docker", "stop", "-t", "30", "lem-run-1"]);
    expect(dockerKillArgv("docker", "lem-run-1")).toEqual(["docker", "kill", "lem-run-1"]);
  });
});

describe("image identity", () => {
  it("prefers the digest of the image's own repository", () => {
    const out = `["mirror.example.com/vllm@sha256:${"00".repeat(32)}","vllm/vllm-openai@${DIGEST}"] ${IMAGE_ID}\n`;
    expect(parseInspectOutput(IMAGE, out)).toEqual({ digest: DIGEST, id: IMAGE_ID });
  });

  it("matches Docker Hub official images written with docker.io/library/", () => {
    expect(parseInspectOutput("docker.io/library/ubuntu:24.04", `["ubuntu@${DIGEST}"] ${IMAGE_ID}`)).toEqual({ digest: DIGEST, id: IMAGE_ID });
    expect(repositoryOf("registry:5000/org/img:tag")).toBe("registry:5000/org/img");
    expect(repositoryOf("registry:5000/org/img")).toBe("registry:5000/org/img");
    expect(repositoryOf(`img@${DIGEST}`)).toBe("img");
  });

  it("a locally built image has an id but no registry digest", () => {
    expect(parseInspectOutput("mine:dev", `[] ${IMAGE_ID}`)).toEqual({ digest: null, id: IMAGE_ID });
  });
});

/** A fake docker on disk, its state file, and what it was asked. */
class FakeDocker {
  readonly dir = tmp("bin");
  readonly path = join(this.dir, "docker");
  readonly stateFile = join(this.dir, "state.json");
  readonly log = join(this.dir, "argv.jsonl");
  constructor(state: Record<string, unknown>) {
    writeFileSync(this.path, `#!/bin/sh\nexec "${process.execPath}" "${resolve("test/fixtures/fake-docker.mjs")}" "$@"\n`);
    chmodSync(this.path, 0o755);
    writeFileSync(this.stateFile, JSON.stringify({ log: this.log, ...state }));
    writeFileSync(this.log, "");
    process.env.FAKE_DOCKER_STATE = this.stateFile;
  }
  calls(): string[][] {
    return readFileSync(this.log, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as string[]);
  }
}

const NVIDIA_INFO = { ServerVersion: "28.3.0", Runtimes: { "io.containerd.runc.v2": {}, nvidia: { path: "nvidia-container-runtime" }, runc: {} }, DefaultRuntime: "runc" };
const PLAIN_INFO = { ServerVersion: "28.3.0", Runtimes: { "io.containerd.runc.v2": {}, runc: {} }, DefaultRuntime: "runc", CDISpecDirs: ["/etc/cdi", "/var/run/cdi"] };
const PRESENT = { [IMAGE]: { repoDigests: [`vllm/vllm-openai@${DIGEST}`], id: IMAGE_ID } };

// The toolkit check also looks for nvidia-container-runtime-hook on PATH: keep the machine's out.
let savedPath: string | undefined;
beforeEach(() => {
  savedPath = process.env.PATH;
  process.env.PATH = tmp("empty-path");
});
afterEach(() => {
  process.env.PATH = savedPath;
});

describe("imageDigest", () => {
  it("asks docker image inspect and parses its answer", async () => {
    const fake = new FakeDocker({ images: PRESENT });
    expect(await imageDigest(fake.path, IMAGE, 10_000)).toEqual({ digest: DIGEST, id: IMAGE_ID });
    expect(fake.calls()).toEqual([["image", "inspect", "--format", "{{json .RepoDigests}} {{.Id}}", IMAGE]]);
  });

  it("says why when the image is absent", async () => {
    const fake = new FakeDocker({ images: {} });
    expect(await imageDigest(fake.path, "nope:1", 10_000)).toEqual({ digest: null, id: null, error: "Error: No such image: nope:1" });
  });
});

describe("checkDocker", () => {
  it("passes with a daemon, the NVIDIA runtime and the image present, and pulls nothing", async () => {
    const fake = new FakeDocker({ info: NVIDIA_INFO, images: PRESENT });
    expect(await checkDocker({ docker: fake.path, image: IMAGE, pull: "missing", timeoutMs: 10_000 })).toEqual({ failures: [], warnings: [] });
    expect(fake.calls().map((c) => c[0])).not.toContain("pull");
  });

  it('pulls when docker.pull is "always", even with the image present', async () => {
    const fake = new FakeDocker({ info: NVIDIA_INFO, images: PRESENT, pull: { [IMAGE]: "ok" } });
    expect(await checkDocker({ docker: fake.path, image: IMAGE, pull: "always", timeoutMs: 10_000 })).toEqual({ failures: [], warnings: [] });
    expect(fake.calls()).toContainEqual(["pull", IMAGE]);
  });

  it("pulls a missing image, and reports the registry's refusal", async () => {
    const fake = new FakeDocker({ info: NVIDIA_INFO, images: {} });
    const out = await checkDocker({ docker: fake.path, image: "private/engine:1", pull: "missing", timeoutMs: 10_000 });
    expect(out.failures).toEqual([
      {
        check: "docker",
        message:
          "docker pull private/engine:1 failed (the image is not on this machine): Error response from daemon: pull access denied for private/engine, " +
          "repository does not exist or may require 'docker login'.",
        fix: "Check the image name and tag, log in to its registry (docker login REGISTRY) if it is private, and check the network; or pull it yourself.",
      },
    ]);
  });

  it("collects every problem at once: no NVIDIA toolkit, image absent with pull never, env file missing", async () => {
    const fake = new FakeDocker({ info: PLAIN_INFO, images: {} });
    const envFile = join(tmp("env"), "hf.env");
    const out = await checkDocker({ docker: fake.path, image: "absent:1", pull: "never", envFile, timeoutMs: 10_000 });
    expect(out.failures.map((f) => f.check)).toEqual(["docker", "docker", "docker"]);
    expect(out.failures[0]!.message).toBe(
      'the NVIDIA container toolkit is not set up for Docker: the daemon lists no "nvidia" runtime (runtimes: io.containerd.runc.v2, runc), ' +
        "no CDI nvidia.com/gpu devices, and nvidia-container-runtime-hook is not on PATH, so --gpus would fail.",
    );
    expect(out.failures[0]!.fix).toContain("nvidia-ctk runtime configure --runtime=docker");
    expect(out.failures[1]).toEqual({
      check: "docker",
      message: 'the image absent:1 is not on this machine, and docker.pull is "never".',
      fix: 'Pull it (docker pull absent:1), or set docker.pull to "missing".',
    });
    expect(out.failures[2]!.message).toBe(`the docker env file ${envFile} (docker.envFile) does not exist.`);
    expect(fake.calls().map((c) => c[0])).not.toContain("pull");
  });

  it("an unreachable daemon is reported with its fix, together with a bad env file, and nothing more is asked of it", async () => {
    const fake = new FakeDocker({ daemon: "down" });
    const envDir = tmp("env-dir");
    const out = await checkDocker({ docker: fake.path, image: IMAGE, pull: "missing", envFile: envDir, timeoutMs: 10_000 });
    expect(out.failures).toEqual([
      {
        check: "docker",
        message:
          'Cannot connect to the Docker daemon ("docker version" failed: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?).',
        fix: "Start the daemon (sudo systemctl start docker), or set DOCKER_HOST to a running one.",
      },
      { check: "docker", message: `the docker env file ${envDir} (docker.envFile) is not a file.`, fix: "Give the path of a file of KEY=VALUE lines." },
    ]);
    expect(fake.calls()).toEqual([["version", "--format", "{{.Server.Version}}"]]);
  });

  it("a daemon that refuses lem's user points to the docker group", async () => {
    const fake = new FakeDocker({ daemon: "denied" });
    const out = await checkDocker({ docker: fake.path, image: IMAGE, pull: "missing", timeoutMs: 10_000 });
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0]!.message).toMatch(/^the Docker daemon refused lem's user: permission denied while trying to connect/);
    expect(out.failures[0]!.fix).toContain("sudo usermod -aG docker $USER");
  });

  it("a missing docker CLI is reported with a missing env file", async () => {
    const out = await checkDocker({ docker: "no-such-docker-cli", image: IMAGE, pull: "missing", envFile: "/nonexistent/lem.env", timeoutMs: 10_000 });
    expect(out.failures.map((f) => f.message)).toEqual([
      `the docker CLI "no-such-docker-cli" is not on PATH (${process.env.PATH}).`,
      "the docker env file /nonexistent/lem.env (docker.envFile) does not exist.",
    ]);
    expect(out.failures[0]!.fix).toContain("Install Docker Engine");
  });

  it("warns when the env file, which holds secrets, is readable by every user", async () => {
    const fake = new FakeDocker({ info: NVIDIA_INFO, images: PRESENT });
    const envFile = join(tmp("env"), "hf.env");
    writeFileSync(envFile, "HF_TOKEN=hf_x\n");
    chmodSync(envFile, 0o644);
    const out = await checkDocker({ docker: fake.path, image: IMAGE, pull: "never", envFile, timeoutMs: 10_000 });
    expect(out.failures).toEqual([]);
    expect(out.warnings).toEqual([
      {
        check: "docker-env-file",
        message: `the docker env file ${envFile} is readable by every user of this machine, and it usually holds secrets (HF_TOKEN).`,
        fix: `Restrict it: chmod 600 ${envFile}.`,
      },
    ]);
    chmodSync(envFile, 0o600);
    expect((await checkDocker({ docker: fake.path, image: IMAGE, pull: "never", envFile, timeoutMs: 10_000 })).warnings).toEqual([]);
  });

  it("takes CDI nvidia.com/gpu devices or the runtime hook on PATH as a working toolkit", () => {
    expect(hasNvidiaToolkit({ ...PLAIN_INFO, DiscoveredDevices: [{ Source: "cdi", ID: "nvidia.com/gpu=0" }] }, "")).toBe(true);
    const hookDir = tmp("hook");
    writeFileSync(join(hookDir, "nvidia-container-runtime-hook"), "#!/bin/sh\n");
    chmodSync(join(hookDir, "nvidia-container-runtime-hook"), 0o755);
    expect(hasNvidiaToolkit(PLAIN_INFO, hookDir)).toBe(true);
    expect(hasNvidiaToolkit(PLAIN_INFO, "")).toBe(false);
  });

  it("checkDockerAll asks once per distinct image and lists a shared problem once", async () => {
    const fake = new FakeDocker({ info: NVIDIA_INFO, images: PRESENT });
    const same = { docker: fake.path, image: IMAGE, pull: "missing" as const };
    expect(await checkDockerAll([same, same, same], 10_000)).toEqual({ failures: [], warnings: [] });
    expect(fake.calls().filter((c) => c[0] === "version")).toHaveLength(1);
    const missing = await checkDockerAll(
      [
        { docker: "no-such-docker-cli", image: "a:1", pull: "missing" },
        { docker: "no-such-docker-cli", image: "b:1", pull: "missing" },
      ],
      10_000,
    );
    expect(missing.failures).toHaveLength(1);
  });
});

describe("pre-flight", () => {
  beforeEach(() => {
    process.env.LEM_LOCK_DIR = tmp("locks");
    useSimulatedGpu("default");
  });

  it("reports docker failures together with the other checks' in one PreflightError", async () => {
    const fake = new FakeDocker({ info: PLAIN_INFO, images: {} });
    const attempt = runPreflight({
      cudaVisibleDevices: "0",
      throttleSampleMs: 0,
      command: { executable: "no-such-engine-binary" },
      docker: [{ docker: fake.path, image: "absent:1", pull: "never" }],
      model: "./no/such/model",
    });
    const error = (await attempt.catch((e: unknown) => e)) as PreflightError;
    expect(error).toBeInstanceOf(PreflightError);
    expect(error.failures.map((f) => f.check)).toEqual(["backend", "docker", "docker", "model"]);
    const lines = error.message.split("\n");
    expect(lines[0]).toBe("pre-flight found 4 problem(s):");
    expect(lines[2]).toMatch(/^- the NVIDIA container toolkit is not set up for Docker: .* Fix: Install the NVIDIA Container Toolkit/);
    expect(lines[3]).toBe('- the image absent:1 is not on this machine, and docker.pull is "never". Fix: Pull it (docker pull absent:1), or set docker.pull to "missing".');
  });

  it('lists "docker" among the passed checks when the image is ready', async () => {
    const fake = new FakeDocker({ info: NVIDIA_INFO, images: PRESENT });
    const report = await runPreflight({ cudaVisibleDevices: "0", throttleSampleMs: 0, docker: [{ docker: fake.path, image: IMAGE, pull: "missing" }] });
    expect(report.passed).toEqual(["nvml", "gpus", "gpu-lock", "docker"]);
  });
});

describe("a server in a container, through the fake docker", () => {
  it("starts from the docker run command line, serves, and stops as one process group", async () => {
    const fake = new FakeDocker({ images: { "fake/openai:1": { repoDigests: [], id: IMAGE_ID } } });
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const argv = dockerRunArgv({
      ...withoutEnvFile,
      docker: fake.path,
      image: "fake/openai:1",
      workdirMounts: [],
      mounts: [],
      extraArgs: [],
      argv: [process.execPath, resolve("test/fixtures/fake-openai-server.mjs"), "--port", String(port), "--engine-version", "container-1"],
    });
    const logDir = tmp("log");
    mkdirSync(logDir, { recursive: true });
    const env = { PATH: savedPath ?? "", FAKE_DOCKER_STATE: fake.stateFile };
    const server = startServer({ argv, env, logFile: join(logDir, "server.log") });
    try {
      const ready = await waitForServer({
        baseUrl,
        healthPath: "/health",
        timeoutMs: 20_000,
        server,
        pollMs: 50,
        probeCompletion: async () => {
          const r = await fetch(`${baseUrl}/v1/completions`, { method: "POST", body: JSON.stringify({ model: "fake-model", prompt: "hi", max_tokens: 1 }) });
          return { ok: r.ok, error: `HTTP ${r.status}` };
        },
      });
      expect(ready.readyAfterMs).toBeGreaterThan(0);
      const version = (await (await fetch(`${baseUrl}/version`)).json()) as { version: string };
      expect(version.version).toBe("container-1");
    } finally {
      const stopped = await server.stop(5000);
      expect(stopped.killed).toBe(false);
    }
    // The engine inside went with the docker client: nothing listens any more.
    await expect(fetch(`${baseUrl}/health`)).rejects.toThrow();
    expect(fake.calls()[0]!.slice(0, 12)).toEqual([
      "run", "--rm", "--init", "--name", "lem-study-run-3", "--network", "host", "--ipc", "host", "--gpus", `"device=${GPU_A},${GPU_B}"`, "-e",
    ]);
  });
});
