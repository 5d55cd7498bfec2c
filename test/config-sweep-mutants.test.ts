// The sweep grammar, exactly: messages with their paths, slugs character by character, the
// base's checks and the counting of invalid points, so that a changed rule (mutation testing,
// issue 16) fails a test.
import { describe, expect, it } from "vitest";
import { StudySchema, type StudyConfig } from "../lib/config/schema.js";
import { checkPartialExperiment, describeInvalidPoint, expandStudy } from "../lib/config/sweep.js";
import { canonicalJson, shortHash } from "../lib/config/hash.js";

const base = { model: "sim/tiny-model", backend: "command", command: { argv: ["node", "run.mjs"] } };
const study = (fields: Record<string, unknown>) => StudySchema.parse({ name: "s", ...fields });
const expand = (fields: Record<string, unknown>, b: Record<string, unknown> = base) => expandStudy(study(fields), b);
const slugs = (fields: Record<string, unknown>, b: Record<string, unknown> = base) => expand(fields, b).experiments.map((e) => e.slug);

describe("sweep keys and their messages", () => {
  it("name the alternative of a dependent group whose field is unknown", () => {
    expect(() => expand({ sweep: { g: [{ "params.batch_size": 1 }, { "dataset.nope": 1 }] } })).toThrow(
      'sweep.g[1]: "dataset.nope" is not a field of an experiment',
    );
  });

  it("name the key of a dependent group whose backend is unknown", () => {
    expect(() => expand({ sweep: { g: [{ "vllm-turbo:params.x": 1 }] } })).toThrow('sweep.g[0]["vllm-turbo:params.x"]: expected a known backend before ":"');
  });

  it("read a backend prefix only at the start of the key", () => {
    expect(() => expand({ sweep: { "9command:params.batch_size": [1] } })).toThrow('"9command:params" is not a field of an experiment');
    // A line break ends the match: the key is not silently cut to its first line.
    expect(() => expand({ sweep: { "command:params.batch_size\nx": [1] } })).toThrow('"command:params" is not a field of an experiment');
  });

  it("name the whole dotted path of an unknown nested field", () => {
    expect(() => expand({ sweep: { "dataset.nope": [1] } })).toThrow('sweep["dataset.nope"]: "dataset.nope" is not a field of an experiment');
  });

  it("accept an axis over a whole section, whose values are then checked as points", () => {
    const x = expand({ sweep: { dataset: ["x"] } });
    expect(x.experiments).toEqual([]);
    expect(x.invalid).toHaveLength(1);
  });

  it("name the kind of the item that is not a mapping in a mixed list", () => {
    expect(() => expand({ sweep: { g: [{ "params.batch_size": 1 }, [1]] } })).toThrow("found a mix: item 0 is a mapping, item 1 is a list");
    expect(() => expand({ sweep: { g: [{ "params.batch_size": 1 }, null] } })).toThrow("found a mix: item 0 is a mapping, item 1 is null");
  });

  it("refuse a sweep value that is not a list", () => {
    const s = { ...study({}), sweep: { "params.batch_size": 4 } } as unknown as StudyConfig;
    expect(() => expandStudy(s, base)).toThrow(
      'sweep["params.batch_size"]: expected a list of values (an axis) or of mappings (a dependent group), found 4',
    );
  });

  it("refuse an explicit experiment that is not a mapping", () => {
    const s = { ...study({}), experiments: [3] } as unknown as StudyConfig;
    expect(() => expandStudy(s, base)).toThrow("experiments[0]: expected a mapping (object), found 3");
  });
});

describe("the base", () => {
  it("is refused for a field of the wrong type, named under base", () => {
    expect(() => expand({ sweep: { "params.batch_size": [1] } }, { ...base, model: 5 })).toThrow("base.model: expected a string, found 5");
  });

  it("may leave the openai backend's server to the sweep", () => {
    const x = expand({ sweep: { "server.url": ["http://127.0.0.1:8000"] } }, { model: "sim/tiny-model", backend: "openai" });
    expect(x.experiments.map((e) => e.config.server?.url)).toEqual(["http://127.0.0.1:8000"]);
  });

  it("is refused for a rule between fields it sets itself: an attached server in a container", () => {
    expect(() => expand({ sweep: { "dataset.prompts": [8] } }, { model: "sim/tiny-model", backend: "openai", server: { url: "http://127.0.0.1:8000" }, docker: { image: "x" } })).toThrow(
      "base.docker: an attached server (server.url) is not started by lem, so it cannot run in lem's container; remove docker or server.url",
    );
  });

  it("is refused for a rule inside the server section it sets: both server.url and server.argv", () => {
    expect(() => expand({ sweep: { "dataset.prompts": [8] } }, { model: "sim/tiny-model", backend: "openai", server: { url: "http://127.0.0.1:8000", argv: ["srv"] } })).toThrow(
      "base.server.url: give server.url (attach to a running server) or server.argv (lem starts it), not both",
    );
  });

  it("may leave the command to the sweep", () => {
    expect(() => expand({ sweep: { "dataset.prompts": [8] } }, { ...base, command: 5 })).toThrow("base.command: expected a mapping (object), found 5");
    expect(() => expand({ sweep: { "dataset.prompts": [8] } }, { ...base, command: { argv: [] } })).toThrow(
      "base.command.argv: expected a non-empty list, found a list of 0",
    );
    const x = expand({ sweep: { "command.argv": [["node", "a.mjs"]] } }, { model: "sim/tiny-model", backend: "command" });
    expect(x.experiments.map((e) => e.config.command?.argv)).toEqual([["node", "a.mjs"]]);
  });

  it("is checked with its problems' paths under the prefix given", () => {
    expect(() => checkPartialExperiment({ model: 5 }, undefined, "")).toThrow(/^model: expected a string, found 5$/);
    expect(() => checkPartialExperiment({ model: 5 }, undefined, "extends")).toThrow(/^extends\.model: expected a string, found 5$/);
    expect(() => checkPartialExperiment(5 as unknown as Record<string, unknown>, undefined, "extends")).toThrow(/^extends: /);
    expect(() => checkPartialExperiment({ dataset: { prompts: "x" } }, undefined, "base")).toThrow(/^base\.dataset\.prompts: /);
    expect(() => checkPartialExperiment({ "a b": 1 }, undefined, "base")).toThrow(/^base\["a b"\]: unknown key, expected one of name, model, /);
  });
});

describe("invalid points", () => {
  it("give every problem of a point, separated by semicolons", () => {
    const x = expand({ sweep: { g: [{ "dataset.prompts": 0, model: 5 }] } });
    expect(x.invalid.map((p) => p.reason)).toEqual(["model: expected a string, found 5; dataset.prompts: expected an integer > 0, found 0"]);
  });

  it("read as a line naming each value, strings bare and others as JSON", () => {
    expect(describeInvalidPoint({ sweepValues: { "params.model_path": "a/x", "params.batch_size": -1 }, reason: "bad" })).toBe(
      "skipped the point params.model_path=a/x, params.batch_size=-1: bad",
    );
    expect(describeInvalidPoint({ sweepValues: {}, reason: "bad" })).toBe("skipped the base experiment: bad");
    expect(describeInvalidPoint({ sweepValues: { "command.argv": ["a", "b"] }, reason: "bad" })).toBe('skipped the point command.argv=["a","b"]: bad');
  });

  it("that are equal are counted once, the others as duplicates", () => {
    const x = expand({ sweep: { "dataset.prompts": [0], "llamacpp:params.x": [1, 2] } });
    expect(x.invalid).toHaveLength(1);
    expect(x.duplicates).toBe(1);
  });

  it("do not stop a sweep whose first point is invalid", () => {
    const x = expand({ sweep: { "dataset.prompts": [0, 2] } });
    expect(x.experiments.map((e) => e.config.dataset.prompts)).toEqual([2]);
    expect(x.invalid).toHaveLength(1);
  });

  it("do not stop explicit experiments whose first is invalid", () => {
    const x = expand({ experiments: [{ "dataset.prompts": 0 }, { "dataset.prompts": 2 }] });
    expect(x.experiments.map((e) => e.config.dataset.prompts)).toEqual([2]);
    expect(x.invalid).toHaveLength(1);
  });
});

describe("slugs, exactly", () => {
  it("abbreviate a camelCase key by its initials and a single word to 4 lower-case letters", () => {
    expect(slugs({ sweep: { "params.maxTokens": [8] } })).toEqual(["mt8"]);
    expect(slugs({ sweep: { "params.Temperature": [1] } })).toEqual(["temp1"]);
    expect(slugs({ sweep: { "params.-seed": [3] } })).toEqual(["seed3"]);
  });

  it("name a boolean by its key, or no- its key", () => {
    expect(slugs({ sweep: { "params.stream": [true, false] } })).toEqual(["stre", "no-stre"]);
  });

  it("name a string by its last path segment, sanitized", () => {
    expect(slugs({ sweep: { "params.model_path": ["models/x/"], "params.batch_size": [1] } })).toEqual(["x_bs1"]);
    expect(slugs({ sweep: { "params.model_path": ["a b"], "params.batch_size": [1] } })).toEqual(["a-b_bs1"]);
    expect(slugs({ sweep: { "params.model_path": ["a--b"], "params.batch_size": [1] } })).toEqual(["a-b_bs1"]);
  });

  it("strip separators at either end of a string but keep those inside", () => {
    expect(slugs({ sweep: { "params.model_path": [".-a.b.-"], "params.batch_size": [1] } })).toEqual(["a.b_bs1"]);
  });

  it("leave out a part that sanitizes to nothing", () => {
    expect(slugs({ sweep: { "params.model_path": ["/"], "params.batch_size": [8] } })).toEqual(["bs8"]);
  });

  it("name a secret's value by a short hash of it", () => {
    expect(slugs({ sweep: { "params.api_key": ["abc"] } })).toEqual([`ak-${shortHash("abc").slice(0, 4)}`]);
  });

  it("name a list value by a short hash of its JSON", () => {
    expect(slugs({ sweep: { "command.argv": [["node", "b.mjs"]] } })).toEqual([`argv-${shortHash(canonicalJson(["node", "b.mjs"])).slice(0, 4)}`]);
  });

  it("name the base alone after its model, or after its own name which it keeps", () => {
    const x = expand({});
    expect(x.experiments.map((e) => [e.slug, e.config.name])).toEqual([["tiny-model", "tiny-model"]]);
    const y = expand({}, { ...base, name: "my run" });
    expect(y.experiments.map((e) => [e.slug, e.config.name])).toEqual([["my-run", "my run"]]);
  });

  it("keep a swept name as the name", () => {
    const x = expand({ sweep: { g: [{ name: "a", "dataset.prompts": 8 }, { name: "b", "dataset.prompts": 9 }] } });
    expect(x.experiments.map((e) => [e.slug, e.config.name])).toEqual([
      ["a", "a"],
      ["b", "b"],
    ]);
  });

  it("drop every separator left at the cut", () => {
    const name = `${"a".repeat(38)}-.bcd`;
    expect(slugs({ experiments: [{ name }] })).toEqual(["a".repeat(38)]);
  });

  it("fall back to 'experiment' when nothing readable is left", () => {
    expect(slugs({ experiments: [{ name: "---" }] })).toEqual(["experiment"]);
  });

  it("count further collisions up from 2", () => {
    const hash = expand({ experiments: [{ name: "run", "dataset.prompts": 2 }] }).experiments[0]!.hash.slice(0, 6);
    const x = expand({
      experiments: [
        { name: "run", "dataset.prompts": 1 },
        { name: `run-${hash}`, "dataset.prompts": 3 },
        { name: `run-${hash}-2`, "dataset.prompts": 4 },
        { name: "run", "dataset.prompts": 2 },
      ],
    });
    expect(x.experiments.map((e) => e.slug)).toEqual(["run", `run-${hash}`, `run-${hash}-2`, `run-${hash}-3`]);
  });

  it("cut a colliding slug before the hash, dropping the separators at the cut only", () => {
    const name = `a-b${"a".repeat(28)}-.zzzzzzz`;
    const x = expand({ experiments: [{ name, "params.batch_size": 1 }, { name, "params.batch_size": 2 }] });
    const second = x.experiments[1]!;
    expect(x.experiments[0]!.slug).toBe(name);
    expect(second.slug).toBe(`a-b${"a".repeat(28)}-${second.hash.slice(0, 6)}`);
  });

  it("number a third collision after the hash, cut to fit 40 characters", () => {
    const name = "n".repeat(40);
    const probe = expand({ experiments: [{ name, "params.batch_size": 1 }, { name, "params.batch_size": 2 }] });
    const taken = probe.experiments[1]!.slug;
    const x = expand({
      experiments: [{ name, "params.batch_size": 1 }, { name: taken, "params.batch_size": 3 }, { name, "params.batch_size": 2 }],
    });
    const hash = x.experiments[2]!.hash.slice(0, 6);
    expect(x.experiments.map((e) => e.slug)).toEqual([name, taken, `${"n".repeat(30)}-${hash}-2`]);
  });
});
