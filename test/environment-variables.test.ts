// Which environment variables the snapshot keeps, and how secrets are redacted from them.
import { describe, expect, it } from "vitest";
import {
  isSecretName,
  looksLikeToken,
  redactVariable,
  relevantEnvironmentVariables,
  REDACTED,
} from "../lib/environment/environment-variables.js";

describe("relevantEnvironmentVariables", () => {
  it("keeps the variables that matter for a run, sorted, and drops the rest", () => {
    const r = relevantEnvironmentVariables({
      HOME: "/home/me",
      SHELL: "/bin/bash",
      CUDA_VISIBLE_DEVICES: "0,1",
      NCCL_DEBUG: "INFO",
      PATH: "/usr/bin:/bin",
      VLLM_ATTENTION_BACKEND: "FLASH_ATTN",
      TOKENIZERS_PARALLELISM: "false",
      CONDA_DEFAULT_ENV: "vllm",
      PYTORCH_CUDA_ALLOC_CONF: "expandable_segments:True",
      OMP_NUM_THREADS: "8",
    });
    expect(r).toEqual({
      CONDA_DEFAULT_ENV: "vllm",
      CUDA_VISIBLE_DEVICES: "0,1",
      NCCL_DEBUG: "INFO",
      OMP_NUM_THREADS: "8",
      PATH: "/usr/bin:/bin",
      PYTORCH_CUDA_ALLOC_CONF: "expandable_segments:True",
      TOKENIZERS_PARALLELISM: "false",
      VLLM_ATTENTION_BACKEND: "FLASH_ATTN",
    });
    expect(Object.keys(r)).toEqual([...Object.keys(r)].sort());
  });

  it("redacts secrets among the relevant variables", () => {
    const r = relevantEnvironmentVariables({ HF_TOKEN: "hf_abc", OPENAI_API_KEY: "x", HF_HOME: "/data/hf" });
    expect(r).toEqual({ HF_HOME: "/data/hf", HF_TOKEN: REDACTED, OPENAI_API_KEY: REDACTED });
  });
});

describe("secret names", () => {
  it("flags names with a secret word in them", () => {
    for (const name of [
      "HF_TOKEN",
      "HUGGING_FACE_HUB_TOKEN",
      "OPENAI_API_KEY",
      "MY_DB_PASSWORD",
      "DB_PASSWD",
      "SMTP_PASS",
      "AWS_SECRET_ACCESS_KEY",
      "GOOGLE_APPLICATION_CREDENTIALS",
      "PROXY_AUTH",
      "SSH_PRIVATE_KEY_FILE",
      "BROWSER_COOKIE",
      "VLLM_SESSION",
      "hf_token",
    ]) {
      expect(isSecretName(name), name).toBe(true);
    }
  });

  it("does not flag names that only contain a secret word inside another word", () => {
    for (const name of ["TOKENIZERS_PARALLELISM", "CUDA_HOME", "HF_HUB_ENABLE_HF_TRANSFER", "PATH", "KEYBOARD", "PASSTHROUGH_MODE", "NCCL_SOCKET_IFNAME"]) {
      expect(isSecretName(name), name).toBe(false);
    }
  });
});

describe("token values", () => {
  it("recognises Hugging Face, OpenAI-style, GitHub and AWS tokens and bearer strings", () => {
    expect(looksLikeToken("hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345")).toBe(true);
    expect(looksLikeToken("sk-proj-abcdefghijklmnopqrstuvwx")).toBe(true);
    expect(looksLikeToken("ghp_abcdefghijklmnopqrstuvwxyz0123456789")).toBe(true);
    expect(looksLikeToken("AKIAIOSFODNN7EXAMPLE")).toBe(true);
    expect(looksLikeToken("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30")).toBe(true);
  });

  it("leaves ordinary values alone", () => {
    expect(looksLikeToken("/usr/local/cuda/lib64:/usr/lib")).toBe(false);
    expect(looksLikeToken("hf_transfer")).toBe(false);
    expect(looksLikeToken("sk-1")).toBe(false);
    expect(looksLikeToken("expandable_segments:True")).toBe(false);
  });

  it("redacts a token-looking value whatever the variable is called", () => {
    expect(redactVariable("VLLM_EXTRA", "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345")).toBe(REDACTED);
  });
});

describe("URL passwords", () => {
  it("blanks out only the password of a URL with user:password@", () => {
    expect(redactVariable("LEM_RESULTS_URL", "postgres://lem:s3cr3t@db.example.org:5432/lem")).toBe(
      "postgres://lem:[redacted]@db.example.org:5432/lem",
    );
  });

  it("blanks out every URL password in a value holding several", () => {
    expect(redactVariable("OPENAI_BASE_URLS", "http://a:pw1@h1/v1,https://b:pw2@h2/v1")).toBe(
      "http://a:[redacted]@h1/v1,https://b:[redacted]@h2/v1",
    );
  });

  it("leaves URLs without a password as they are", () => {
    expect(redactVariable("OPENAI_BASE_URL", "http://user@localhost:8000/v1")).toBe("http://user@localhost:8000/v1");
    expect(redactVariable("OPENAI_BASE_URL", "http://localhost:8000/v1")).toBe("http://localhost:8000/v1");
  });
});
