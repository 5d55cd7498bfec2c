/** Pre-flight's public surface. */
export { runPreflight } from "./run-preflight.js";
export { PreflightError, formatFailures } from "./preflight-error.js";
export { huggingFaceCacheDir } from "./check-model.js";
export type { PreflightGpu, PreflightIssue, PreflightReport, PreflightRequest } from "./types.js";
