/** lem's OpenAI-compatible workload generator: request bodies, one request, arrivals, the workload, its summary and steady state. */
export { poissonArrivalOffsetsNs } from "./arrivals.js";
export { endpointPath, type OpenAiApi, type RequestBodyOptions, requestBody } from "./request-body.js";
export { runWorkload, type WorkloadOptions, type WorkloadOutcome } from "./run-workload.js";
export { type RequestFailureKind, type SendRequestOptions, type SentRequest, sendRequest, sendRequestClassified } from "./send-request.js";
export { type SteadyStateWindow, steadyStateWindow } from "./steady-state.js";
export { type RequestSummary, summarizeRequests } from "./summarize-requests.js";
