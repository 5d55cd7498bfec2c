/** The environment snapshot: what a published measurement says about the machine and its software. */
export { collectEnvironment, collectGpu, type CollectEnvironmentOptions } from "./snapshot.js";
export {
  detectCudaRuntimeVersion,
  defaultCudaHomes,
  parseNvccVersion,
  parseVersionJson,
  parseVersionTxt,
  type CudaRuntimeChainOptions,
  type CudartProbe,
} from "./cuda-runtime-version.js";
export { collectPython, collectConda, parsePipFreeze, parseCondaList, type PythonPackagesOptions, type CondaOptions } from "./python-packages.js";
export {
  relevantEnvironmentVariables,
  redactVariable,
  isSecretName,
  looksLikeToken,
  isRelevantVariable,
  REDACTED,
} from "./environment-variables.js";
export {
  EnvironmentSnapshotSchema,
  CUDA_RUNTIME_SOURCES,
  type EnvironmentSnapshot,
  type GpuPart,
  type CudaRuntimeVersion,
  type CudaRuntimeSource,
  type PythonPart,
  type CondaPart,
  type Package,
  type CondaPackage,
} from "./schema.js";
