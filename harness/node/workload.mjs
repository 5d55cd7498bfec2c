#!/usr/bin/env node
// lem's test workload: a child that speaks the child protocol (JSON lines on fd 3) and does
// simulated inference whose cost depends on its configuration, so that studies on the
// simulated GPU show real differences between configurations. It generates no tokens: it
// waits as long as a decoder of that shape would take and reports what it would have made.
//
//   node harness/node/workload.mjs --model tiny --batch-size 8 --prompts 32 \
//        --max-output-tokens 128 [--input-tokens 256] [--step-ms 4] [--warmup 2]
//        [--fail-after-ms N] [--hang] [--flood-bytes N] [--exit-code N]
import { openSync, writeSync } from "node:fs";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "tiny" },
    "batch-size": { type: "string", default: "1" },
    prompts: { type: "string", default: "16" },
    "max-output-tokens": { type: "string", default: "64" },
    "input-tokens": { type: "string", default: "128" },
    "step-ms": { type: "string", default: "2" },
    // lem passes measurement.warmupRequests as LEM_WARMUP_REQUESTS.
    warmup: { type: "string", default: process.env.LEM_WARMUP_REQUESTS ?? "1" },
    "fail-after-ms": { type: "string" },
    hang: { type: "boolean", default: false },
    "flood-bytes": { type: "string" },
    "exit-code": { type: "string" },
  },
  strict: true,
});

const num = (name) => {
  const v = Number(values[name]);
  if (!Number.isFinite(v) || v < 0) {
    process.stderr.write(`workload: --${name} must be a non-negative number, got "${values[name]}"\n`);
    process.exit(2);
  }
  return v;
};
const batchSize = Math.max(1, num("batch-size"));
const prompts = num("prompts");
const maxOutput = Math.max(1, num("max-output-tokens"));
const inputTokens = num("input-tokens");
const stepMs = num("step-ms");

// In a container fd 3 does not cross `docker run`: lem names a file in the mounted run directory instead.
// 0o644: whatever the container's umask, no other user can write events into the results.
const protocolFd = process.env.LEM_PROTOCOL_PATH ? openSync(process.env.LEM_PROTOCOL_PATH, "a", 0o644) : 3;
let fd3 = true;
const send = (event) => {
  if (!fd3) return;
  try {
    writeSync(protocolFd, `${JSON.stringify(event)}\n`);
  } catch {
    fd3 = false; // run without lem: no protocol channel
  }
};
const now = () => process.hrtime.bigint();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A decode step of a batch costs a fixed part plus a part per sequence (batching amortises
// the fixed part); prefill costs per input token. Output lengths vary per prompt and stop at
// EOS, deterministically.
const decodeStepMs = stepMs * (1 + 0.15 * (batchSize - 1));
const prefillMs = (n) => 0.002 * inputTokens * n;
const outputLength = (i) => Math.max(1, Math.round(maxOutput * (0.6 + 0.4 * (((i * 2654435761) >>> 0) % 1000) / 1000)));

async function runBatch(ids, record) {
  const start = now();
  await sleep(prefillMs(ids.length));
  const firstToken = now();
  const lengths = ids.map(outputLength);
  const steps = Math.max(...lengths);
  await sleep(decodeStepMs * steps);
  const end = now();
  if (record) {
    for (const [k, id] of ids.entries()) {
      const latencyNs = Number(firstToken - start) + Math.round((Number(end - firstToken) * lengths[k]) / steps);
      send({
        event: "request",
        id,
        input_tokens: inputTokens,
        output_tokens: lengths[k],
        ttft_ns: Number(firstToken - start),
        latency_ns: latencyNs,
        inter_token_ns: lengths[k] > 1 ? Math.round((latencyNs - Number(firstToken - start)) / (lengths[k] - 1)) : null,
      });
    }
  }
  return lengths.reduce((a, b) => a + b, 0);
}

if (values["flood-bytes"]) {
  const chunk = "x".repeat(1023) + "\n";
  for (let n = Number(values["flood-bytes"]); n > 0; n -= 1024) process.stdout.write(chunk);
}
send({ event: "ready", model: values.model });
for (let w = 0; w < num("warmup"); w++) await runBatch([-1 - w], false);
if (values["fail-after-ms"]) {
  await sleep(Number(values["fail-after-ms"]));
  send({ event: "error", message: "workload: failing on purpose (--fail-after-ms)" });
  process.stderr.write("workload: failing on purpose\n");
  process.exit(3);
}
if (values.hang) {
  send({ event: "window_start", t_ns: now().toString() });
  await new Promise(() => setInterval(() => {}, 1 << 30)); // silent forever
}
send({ event: "window_start", t_ns: now().toString() });
let outputTokens = 0;
for (let i = 0; i < prompts; i += batchSize) {
  const ids = Array.from({ length: Math.min(batchSize, prompts - i) }, (_, k) => i + k);
  outputTokens += await runBatch(ids, true);
}
send({ event: "window_end", t_ns: now().toString() });
send({ event: "result", engine: "lem-workload", engine_version: "1", batch_size: batchSize, output_tokens: outputTokens });
console.log(`workload: ${prompts} prompts, batch ${batchSize}, ${outputTokens} output tokens`);
process.exit(values["exit-code"] ? Number(values["exit-code"]) : 0);
