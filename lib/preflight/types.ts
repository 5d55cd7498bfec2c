/** The shapes pre-flight works with: one issue per problem, the report of a passed pre-flight. */

/** One problem (a failure) or caution (a warning) that pre-flight found. */
export interface PreflightIssue {
  /** Stable id of the check: "nvml", "gpus", "backend", "docker", "model", "output-dir", "gpu-lock", or a warning id. */
  check: string;
  /** What is wrong, and where. */
  message: string;
  /** What to do about it. */
  fix: string;
}

/** A GPU the study will use. */
export interface PreflightGpu {
  nvmlIndex: number;
  uuid: string;
  cudaOrdinal?: number;
  migUuid?: string;
}

export interface PreflightReport {
  /** Pre-flight was skipped on request (--skip-preflight); the caller records it. */
  skipped: boolean;
  /** Ids of the checks that ran and passed. */
  passed: string[];
  warnings: PreflightIssue[];
  gpus: PreflightGpu[];
  driverVersion?: string;
  durationMs: number;
}

export interface PreflightRequest {
  /** The CUDA_VISIBLE_DEVICES the backend will get; default this process's; unset = every GPU. */
  cudaVisibleDevices?: string;
  /** A plain executable the backend runs. */
  command?: {
    executable: string;
    /** Arguments of a quick probe (e.g. ["--version"]); default: only check it exists and is executable. */
    probeArgs?: string[];
  };
  /** A Python interpreter and the modules the engine needs (each import-probed). */
  python?: { interpreter: string; modules?: string[] };
  /** Container images the backends run in: docker CLI, daemon, NVIDIA toolkit, image (pulled per policy), env file. */
  docker?: { docker: string; image: string; pull: "missing" | "always" | "never"; envFile?: string }[];
  /** Checks only a backend knows (a node-llama-cpp install, an attached server answering), run with the rest. */
  checks?: (() => Promise<CheckOutcome>)[];
  /** A local path, or a Hugging Face hub id looked up in the local cache only. */
  model?: string;
  outputDir?: string;
  /** Default 1024 MiB. */
  minFreeDiskMiB?: number;
  /** Skip every check (recorded by the caller). */
  skip?: boolean;
  /** Timeout of each probe of the backend (default 15000 ms). */
  probeTimeoutMs?: number;
  /** Oldest acceptable NVIDIA driver, e.g. "535.0". */
  minDriverVersion?: string;
  /** How long the GPUs are sampled for throttling at rest (default 200 ms; 0 = skip). */
  throttleSampleMs?: number;
}

/** What one check found. */
export interface CheckOutcome {
  failures: PreflightIssue[];
  warnings: PreflightIssue[];
}

export const emptyOutcome = (): CheckOutcome => ({ failures: [], warnings: [] });
