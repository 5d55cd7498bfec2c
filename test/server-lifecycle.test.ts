// Server lifecycle against the fake OpenAI server: start, wait until it serves, ask the engine,
// stop the whole process group; and every way a server can fail to become ready.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { killActiveChildrenSync } from "../lib/backends/child-process.js";
import {
  engineInfo,
  freePort,
  logTail,
  ServerError,
  startServer,
  waitForServer,
  type ServerHandle,
} from "../lib/backends/server/index.js";

const FAKE = resolve("test/fixtures/fake-openai-server.mjs");
const tmp = () => mkdtempSync(join(tmpdir(), "lem-server-"));
const env = (): Record<string, string> => Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));

/** Alive = exists and is not a zombie (orphans are not reaped where PID 1 does not reap). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** The first completion, as lem's workload client would send it. */
function probe(baseUrl: string, model = "fake-model") {
  return async () => {
    const r = await fetch(`${baseUrl}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, prompt: "hello", max_tokens: 2 }),
    });
    const text = await r.text();
    return r.ok ? { ok: true } : { ok: false, error: `HTTP ${r.status}: ${text}` };
  };
}

const started: ServerHandle[] = [];
function start(argv: string[], logFile = join(tmp(), "server.log")): ServerHandle {
  const handle = startServer({ argv, env: env(), logFile });
  started.push(handle);
  return handle;
}

afterEach(async () => {
  for (const h of started.splice(0)) await h.stop(1000);
});

async function errorOf(p: Promise<unknown>): Promise<ServerError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(e instanceof ServerError)) throw new Error(`expected a ServerError, got ${String(e)}`);
  return e;
}

describe("start, ready, engine facts, stop", () => {
  it("becomes ready no earlier than the server's own load time, then reports its version and models", async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const server = start(["node", FAKE, "--port", String(port), "--ready-after-ms", "300", "--engine-version", "9.9.9-test"]);
    expect(server.pid).toBeGreaterThan(0);
    const ready = await waitForServer({ baseUrl, healthPath: "/health", timeoutMs: 20_000, server, probeCompletion: probe(baseUrl), pollMs: 50 });
    expect(ready.readyAfterMs).toBeGreaterThanOrEqual(300);

    const info = await engineInfo("vllm", baseUrl, 2000);
    expect(info.engine).toBe("vllm");
    expect(info.version).toBe("9.9.9-test");
    expect(info.settings.models).toEqual(["fake-model"]);
    expect(info.sources).toEqual(["/version", "/v1/models"]);
    expect(info.settings.raw).toEqual({
      "/version": { version: "9.9.9-test" },
      "/v1/models": { object: "list", data: [{ id: "fake-model", object: "model", created: 0, owned_by: "fake" }] },
    });

    const stopped = await server.stop(5000);
    // The fake server exits 0 on SIGTERM, within the grace: no SIGKILL was needed.
    expect(stopped).toEqual({ exitCode: 0, signal: null, killed: false });
    expect(server.running()).toBe(false);
    expect(readFileSync(server.logFile, "utf8")).toContain(`listening on http://127.0.0.1:${port}`);
  });

  it("stop takes the whole process group, an orphaned grandchild included", async () => {
    const dir = tmp();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    // The subshell forks sleep and exits: sleep is orphaned, but still in the server's group.
    const server = start(["sh", "-c", `(sleep 300 & echo $! > ${dir}/grandchild.pid); exec node ${FAKE} --port ${port}`]);
    await waitForServer({ baseUrl, healthPath: "/health", timeoutMs: 20_000, server, probeCompletion: probe(baseUrl), pollMs: 50 });
    const grandchild = Number(readFileSync(join(dir, "grandchild.pid"), "utf8"));
    expect(alive(grandchild)).toBe(true);

    const stopped = await server.stop(5000);
    expect(stopped.killed).toBe(false);
    expect(alive(grandchild)).toBe(false);
    expect(alive(server.pid!)).toBe(false);
  });

  it("a group member that ignores SIGTERM is SIGKILLed after the grace", async () => {
    const dir = tmp();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const server = start(["sh", "-c", `(trap '' TERM; exec sleep 300) & echo $! > ${dir}/stubborn.pid; exec node ${FAKE} --port ${port}`]);
    await waitForServer({ baseUrl, healthPath: "/health", timeoutMs: 20_000, server, probeCompletion: probe(baseUrl), pollMs: 50 });
    const stubborn = Number(readFileSync(join(dir, "stubborn.pid"), "utf8"));
    expect(alive(stubborn)).toBe(true);

    const stopped = await server.stop(300);
    expect(stopped.killed).toBe(true);
    expect(alive(stubborn)).toBe(false);
  });

  it("a server still running when lem exits is killed with lem's other children", async () => {
    const port = await freePort();
    const server = start(["node", FAKE, "--port", String(port)]);
    killActiveChildrenSync();
    const exit = await server.exited;
    expect(exit.signal).toBe("SIGKILL");
  });
});

describe("why a server never became ready", () => {
  it('a server that ends at start: "server-exited" with its exit code and the log tail holding its message', async () => {
    const server = start(["node", FAKE, "--port", "0", "--fail-start"]);
    const e = await errorOf(waitForServer({ baseUrl: "http://127.0.0.1:9", healthPath: "/health", timeoutMs: 20_000, server, probeCompletion: probe("") }));
    expect(e.code).toBe("server-exited");
    expect(e.message).toMatch(/^the server exited with code 1 after \d+\.\d s, before it was ready: node .*fake-openai-server\.mjs --port 0 --fail-start\./);
    expect(e.logTail).toBe("fake-openai-server: failing at start as asked (--fail-start)");
    expect(e.message).toContain(`Last lines of its log (${server.logFile}):\nfake-openai-server: failing at start as asked (--fail-start)\n`);
    expect(e.message).toContain(`Read ${server.logFile} for the cause`);
  });

  it('an executable that does not exist: "server-exited" naming it, with no unhandled rejection', async () => {
    const server = start(["no-such-engine-xyz", "--port", "1"]);
    expect(server.pid).toBeNull();
    expect(await server.exited).toEqual({ exitCode: null, signal: null, spawnError: 'ENOENT: "no-such-engine-xyz" was not found (not on PATH, or no such file)' });
    const e = await errorOf(waitForServer({ baseUrl: "http://127.0.0.1:9", healthPath: "/health", timeoutMs: 5000, server, probeCompletion: probe("") }));
    expect(e.code).toBe("server-exited");
    expect(e.message).toMatch(/^the server could not be started \(ENOENT: "no-such-engine-xyz" was not found .*\): no-such-engine-xyz --port 1\./);
    expect(e.message).toContain("Install the engine, or give the full path of its executable");
    expect(await server.stop(100)).toEqual({ exitCode: null, signal: null, killed: false });
  });

  it('a server whose health stays 503: "server-not-ready" after the timeout, saying what it last saw', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const server = start(["node", FAKE, "--port", String(port), "--never-ready"]);
    const t0 = performance.now();
    const e = await errorOf(waitForServer({ baseUrl, healthPath: "/health", timeoutMs: 1500, server, probeCompletion: probe(baseUrl), pollMs: 50 }));
    const elapsedMs = performance.now() - t0;
    expect(e.code).toBe("server-not-ready");
    expect(e.message).toContain(`the server at ${baseUrl} was not ready within 1.5 s (last seen: health returned 503 on /health).`);
    expect(e.message).toContain("raise server.readyTimeoutS");
    expect(e.logTail).toBe(`listening on http://127.0.0.1:${port}`);
    expect(elapsedMs).toBeGreaterThanOrEqual(1500);
    // Upper bound only guards against a wait that ignores its timeout; wide for a loaded 2-core machine.
    expect(elapsedMs).toBeLessThan(1500 + 8000);
  });

  it('an attached URL where nothing listens: "server-not-ready" after "connection refused"', async () => {
    const baseUrl = `http://127.0.0.1:${await freePort()}`;
    const e = await errorOf(waitForServer({ baseUrl, healthPath: "/v1/models", timeoutMs: 300, probeCompletion: probe(baseUrl), pollMs: 50 }));
    expect(e.code).toBe("server-not-ready");
    expect(e.message).toBe(
      `the server at ${baseUrl} was not ready within 0.3 s (last seen: connection refused on /v1/models).\n` +
        `Check that the server at ${baseUrl} is running and that server.url and server.healthPath are right.`,
    );
    expect(e.logFile).toBeUndefined();
  });

  it('health is fine but the first completion fails: "server-probe-failed" with the server\'s answer', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const server = start(["node", FAKE, "--port", String(port)]);
    const e = await errorOf(waitForServer({ baseUrl, healthPath: "/health", timeoutMs: 20_000, server, probeCompletion: probe(baseUrl, "wrong-model"), pollMs: 50 }));
    expect(e.code).toBe("server-probe-failed");
    expect(e.message).toContain(`the server at ${baseUrl} answers /health, but its first completion failed: HTTP 404: `);
    expect(e.message).toContain("The model `wrong-model` does not exist.");
    expect(e.message).toContain("server.servedModelName");
  });

  it("a first completion failing for another reason than the model (HTTP 500) gets no model-name hint", async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const server = start(["node", FAKE, "--port", String(port), "--fail-every", "1"]);
    const e = await errorOf(waitForServer({ baseUrl, healthPath: "/health", timeoutMs: 20_000, server, probeCompletion: probe(baseUrl), pollMs: 50 }));
    expect(e.code).toBe("server-probe-failed");
    expect(e.message).toContain("its first completion failed: HTTP 500: ");
    expect(e.message).not.toContain("servedModelName");
    expect(e.message).toContain("for why the server refused or failed the request");
  });

  it('a probe that throws counts as a failed first completion', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const server = start(["node", FAKE, "--port", String(port)]);
    const e = await errorOf(
      waitForServer({ baseUrl, healthPath: "/health", timeoutMs: 20_000, server, probeCompletion: () => Promise.reject(new Error("socket hang up")), pollMs: 50 }),
    );
    expect(e.code).toBe("server-probe-failed");
    expect(e.message).toContain("its first completion failed: socket hang up.");
  });

  it('an abort ends the wait: "server-aborted" with the reason', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const server = start(["node", FAKE, "--port", String(port), "--never-ready"]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("interrupted")), 200);
    const e = await errorOf(
      waitForServer({ baseUrl, healthPath: "/health", timeoutMs: 60_000, server, probeCompletion: probe(baseUrl), signal: controller.signal, pollMs: 50 }),
    );
    expect(e.code).toBe("server-aborted");
    expect(e.message).toMatch(/^waiting for the server at http:\/\/127\.0\.0\.1:\d+ was aborted \(interrupted\)\./);
    expect(server.running()).toBe(true);
  });
});

describe("engineInfo", () => {
  let fake: Server | undefined;
  afterEach(() => fake?.close());

  /** An HTTP server answering fixed JSON per path (404 elsewhere). */
  async function serve(routes: Record<string, unknown>): Promise<string> {
    fake = createServer((req, res) => {
      const body = routes[req.url ?? ""];
      res.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json" });
      res.end(body === undefined ? "{}" : JSON.stringify(body));
    });
    await new Promise<void>((r) => fake!.listen(0, "127.0.0.1", r));
    const address = fake.address();
    return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  }

  it("vLLM: /version, and max_model_len from /v1/models", async () => {
    const url = await serve({ "/version": { version: "0.10.1" }, "/v1/models": { data: [{ id: "llama", max_model_len: 8192 }] } });
    const info = await engineInfo("vllm", url, 2000);
    expect(info).toMatchObject({ engine: "vllm", version: "0.10.1", settings: { models: ["llama"], maxModelLen: 8192 }, sources: ["/version", "/v1/models"] });
  });

  it("SGLang: server args from /get_server_info, falling back to /server_info; the model from /get_model_info", async () => {
    const args = { version: "0.5.2", context_length: 32768, tp_size: 1, mem_fraction_static: 0.88, model_path: "Qwen/Qwen2.5-7B" };
    const url = await serve({ "/server_info": args, "/get_model_info": { model_path: "Qwen/Qwen2.5-7B", is_generation: true } });
    const info = await engineInfo("sglang", url, 2000);
    expect(info.version).toBe("0.5.2");
    expect(info.settings.maxModelLen).toBe(32768);
    expect(info.settings.models).toEqual(["Qwen/Qwen2.5-7B"]);
    expect((info.settings.raw as Record<string, unknown>)["/server_info"]).toEqual(args);
    expect(info.sources).toEqual(["/get_server_info: 404", "/server_info", "/get_model_info"]);
  });

  it("TGI: version and batch limits from /info", async () => {
    const url = await serve({ "/info": { model_id: "mistralai/Mistral-7B", version: "3.3.5", max_total_tokens: 4096, max_batch_total_tokens: 160000 } });
    const info = await engineInfo("tgi", url, 2000);
    expect(info.version).toBe("3.3.5");
    expect(info.settings).toMatchObject({ maxModelLen: 4096, models: ["mistralai/Mistral-7B"], raw: { "/info": { max_batch_total_tokens: 160000 } } });
  });

  it("llama-server: build_info and n_ctx from /props; the chat template is trimmed", async () => {
    const template = "x".repeat(5000);
    const url = await serve({
      "/props": { build_info: "b8681-Debian", total_slots: 4, chat_template: template, default_generation_settings: { n_ctx: 65536 } },
      "/v1/models": { data: [{ id: "gemma" }] },
    });
    const info = await engineInfo("llama-server", url, 2000);
    expect(info.version).toBe("b8681-Debian");
    expect(info.settings.maxModelLen).toBe(65536);
    const props = (info.settings.raw as Record<string, Record<string, unknown>>)["/props"]!;
    expect(props.chat_template).toBe(`${"x".repeat(500)}… (5000 chars)`);
  });

  it("never throws: an unreachable server gives no version and says why for each endpoint", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    expect(await engineInfo("trtllm", url, 2000)).toEqual({
      engine: "trtllm",
      version: null,
      settings: {},
      sources: ["/version: connection refused", "/v1/models: connection refused"],
    });
  });
});

describe("logTail and freePort", () => {
  it("returns the last 40 lines of a large file, reading only its end", () => {
    const file = join(tmp(), "big.log");
    writeFileSync(file, Array.from({ length: 200_000 }, (_, i) => `line ${i} ${"-".repeat(20)}`).join("\n") + "\n");
    const tail = logTail(file).split("\n");
    expect(tail).toHaveLength(40);
    expect(tail[0]).toBe(`line 199960 ${"-".repeat(20)}`);
    expect(tail[39]).toBe(`line 199999 ${"-".repeat(20)}`);
  });

  it("drops the partial first line when only the end is read, and is empty for a missing file", () => {
    const file = join(tmp(), "small.log");
    writeFileSync(file, "first line\nsecond\nthird\n");
    expect(logTail(file, 40, 12)).toBe("third");
    expect(logTail(file, 40, 13)).toBe("second\nthird");
    expect(logTail(file, 2)).toBe("second\nthird");
    expect(logTail(join(tmp(), "absent.log"))).toBe("");
  });

  it("freePort gives a port a server can listen on", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const s = createServer();
    await new Promise<void>((r) => s.listen(port, "127.0.0.1", r));
    s.close();
  });
});
