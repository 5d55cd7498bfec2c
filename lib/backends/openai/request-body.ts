/**
 * The JSON body of one OpenAI-compatible request: /v1/completions takes the prompt as is,
 * /v1/chat/completions wraps it as a single user message (the server applies its chat template).
 */

export type OpenAiApi = "completions" | "chat";

export interface RequestBodyOptions {
  api: OpenAiApi;
  model: string;
  prompt: string;
  maxOutputTokens: number;
  temperature: number;
  topP: number;
  /** Seed of sampled decoding; left out when absent. */
  seed?: number;
  stream: boolean;
  /** Generate maxOutputTokens whatever the model says; sent only when true, since only some servers (vLLM, SGLang, llama.cpp) know the field. */
  ignoreEos: boolean;
  /** Fields merged over everything else, for engine-specific parameters. */
  extraBody?: Record<string, unknown>;
}

/** The path of the endpoint serving `api`, relative to the server's base URL. */
export function endpointPath(api: OpenAiApi): string {
  return api === "chat" ? "/v1/chat/completions" : "/v1/completions";
}

export function requestBody(o: RequestBodyOptions): Record<string, unknown> {
  return {
    model: o.model,
    ...(o.api === "chat" ? { messages: [{ role: "user", content: o.prompt }] } : { prompt: o.prompt }),
    max_tokens: o.maxOutputTokens,
    temperature: o.temperature,
    top_p: o.topP,
    ...(o.seed === undefined ? {} : { seed: o.seed }),
    stream: o.stream,
    // Without it, streaming servers send no token counts at all.
    ...(o.stream ? { stream_options: { include_usage: true } } : {}),
    ...(o.ignoreEos ? { ignore_eos: true } : {}),
    ...o.extraBody,
  };
}
