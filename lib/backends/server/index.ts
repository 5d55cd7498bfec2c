/** Server lifecycle: launch templates, start, wait until ready, ask the engine, stop. */
export {
  serverLaunchArgv,
  renderEngineArgs,
  defaultHealthPath,
  engineExecutable,
  enginePythonModule,
  isGgufPath,
  type EngineArgValue,
  type ServerLaunchOptions,
} from "./engine-templates.js";
export { freePort } from "./free-port.js";
export { logTail } from "./log-tail.js";
export { startServer, groupAlive, type StartServerOptions, type ServerHandle, type ServerExit, type ServerStopOutcome } from "./server-process.js";
export { waitForServer, describeFetchError, type WaitForServerOptions, type ServerReady } from "./wait-ready.js";
export { ServerError, SERVER_ERROR_CODES, type ServerErrorCode } from "./server-error.js";
export { engineInfo, trimJson, type EngineInfo } from "./engine-info.js";
export { watchServerHealth, HEALTH_STALL_MS, type HealthWatchOptions } from "./health-watch.js";
