/** The configuration of experiments and studies: schemas, loading, sweep expansion, hashing. */
export {
  BACKENDS,
  SERVER_BACKENDS,
  isServerBackend,
  CommandBackendSchema,
  DatasetSchema,
  DockerSchema,
  LlamaCppSchema,
  ServerSchema,
  SyntheticLengthSchema,
  TransformersSchema,
  WorkloadSchema,
  type ServerBackendName,
  ExecutionSchema,
  ExperimentSchema,
  GenerationSchema,
  MeasurementSchema,
  SettlingSchema,
  StudySchema,
  type BackendName,
  type ExperimentConfig,
  type ExperimentInput,
  type StudyConfig,
} from "./schema.js";
export { ConfigError, type ConfigProblem } from "./config-error.js";
export { canonicalJson, configHash } from "./hash.js";
export { deepMerge } from "./merge.js";
export {
  describeInvalidPoint,
  expandStudy,
  type ExpandOptions,
  type InvalidPoint,
  type ResolvedExperiment,
  type StudyExpansion,
} from "./sweep.js";
export { loadExperiment, loadStudy, parseConfigText, studyHashOf, type LoadedStudy } from "./load.js";
export { experimentJsonSchema, studyJsonSchema } from "./json-schema.js";
