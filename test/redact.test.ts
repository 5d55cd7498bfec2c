// One redaction for everything lem records: command lines, configurations, messages.
import { describe, expect, it } from "vitest";
import { redactArgv, redactRecordedConfig, redactText } from "../lib/redact/index.js";

describe("redactArgv", () => {
  it("blanks --name=value and --name value for secret names, and tokens anywhere", () => {
    expect(redactArgv(["vllm", "serve", "m", "--api-key", "abc123", "--hf-token=xyz", "sk-aaaaaaaaaaaaaaaaaaaa", "--port", "8000"])).toEqual([
      "vllm", "serve", "m", "--api-key", "[redacted]", "--hf-token=[redacted]", "[redacted]", "--port", "8000",
    ]);
  });

  it("keeps settings whose names contain a secret word but whose values are numbers (--max-tokens 128)", () => {
    expect(redactArgv(["--max-tokens", "128", "--max-new-tokens=64", "--no-auth", "--model", "x"])).toEqual(["--max-tokens", "128", "--max-new-tokens=64", "--no-auth", "--model", "x"]);
  });
});

describe("redactText", () => {
  it("blanks a URL's password, a bearer token and NAME=value assignments of secrets in a message", () => {
    expect(redactText("GET https://u:hunter2@h/x?api_key=abc&n=1 with Authorization: Bearer eyJabc, HF_TOKEN=foo failed")).toBe(
      "GET https://u:[redacted]@h/x?api_key=[redacted]&n=1 with Authorization: Bearer [redacted], HF_TOKEN=[redacted] failed",
    );
  });
});

describe("redactRecordedConfig", () => {
  it("redacts string values under secret names (camelCase too) and leaves numbers and the original alone", () => {
    const config = { params: { apiKey: "k", authToken: "t", batch_size: 4 }, generation: { maxOutputTokens: 16 }, model: "org/model" };
    expect(redactRecordedConfig(config)).toEqual({ params: { apiKey: "[redacted]", authToken: "[redacted]", batch_size: 4 }, generation: { maxOutputTokens: 16 }, model: "org/model" });
    expect(config.params.apiKey).toBe("k");
  });
});
