// The report's pure parts: the Pareto front, downsampling that keeps peaks, escaping into one
// HTML file, warning grouping, and a run's timeline read back from a real timeseries.parquet.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidOptionsError } from "../lib/errors.js";
import { downsampleM4 } from "../lib/report/downsample.js";
import { escapeHtml, jsonForScript, scriptForInline } from "../lib/report/escape.js";
import { paretoFront } from "../lib/report/pareto.js";
import { groupWarnings } from "../lib/report/report-data.js";
import { readRunTimeline } from "../lib/report/run-timeline.js";
import { writeTimeseriesParquet } from "../lib/results/timeseries-parquet.js";
import { syntheticSeries, T0_NS } from "./support/synthetic-series.js";

const point = (energyPerOutputTokenJ: number, outputTokensPerS: number) => ({ energyPerOutputTokenJ, outputTokensPerS });

describe("paretoFront (lower energy per output token and higher throughput are better)", () => {
  it("keeps the points nothing beats on both figures, by throughput ascending", () => {
    const points = [
      point(1.0, 100), // 0: front
      point(2.0, 200), // 1: front (fastest)
      point(3.0, 150), // 2: beaten by 1 on both
      point(0.5, 50), // 3: front (most frugal)
      point(1.5, 90), // 4: beaten by 0 on both
    ];
    expect(paretoFront(points)).toEqual([3, 0, 1]);
  });

  it("drops a point matched on one figure and beaten on the other", () => {
    expect(paretoFront([point(1, 100), point(1, 90), point(1.2, 100)])).toEqual([0]);
  });

  it("keeps both copies of an undominated point and leaves out non-finite figures", () => {
    expect(paretoFront([point(2, 200), point(Number.NaN, 500), point(2, 200), point(1, Number.POSITIVE_INFINITY)])).toEqual([2, 0]);
  });

  it("is empty for no points", () => {
    expect(paretoFront([])).toEqual([]);
  });
});

describe("downsampleM4", () => {
  // 100 000 samples of a slow wave, with one spike and one dip a single sample wide.
  const n = 100_000;
  const x = Array.from({ length: n }, (_, i) => i * 0.01);
  const y = x.map((t) => 400 + 50 * Math.sin(t / 30));
  y[31_337] = 987.5;
  y[77_001] = 12.25;

  it("returns at most maxPoints points, in time order", () => {
    const s = downsampleM4(x, y, 2000);
    expect(s.x.length).toBeLessThanOrEqual(2000);
    expect(s.x.length).toBeGreaterThan(1000);
    expect(s.x.every((v, i) => i === 0 || v > s.x[i - 1]!)).toBe(true);
  });

  it("keeps the maximum and the minimum at their exact times", () => {
    const s = downsampleM4(x, y, 2000);
    expect(Math.max(...s.y)).toBe(987.5);
    expect(s.x[s.y.indexOf(987.5)]).toBe(x[31_337]);
    expect(Math.min(...s.y)).toBe(12.25);
    expect(s.x[s.y.indexOf(12.25)]).toBe(x[77_001]);
  });

  it("keeps the first and the last sample", () => {
    const s = downsampleM4(x, y, 400);
    expect([s.x[0], s.y[0]]).toEqual([x[0], y[0]]);
    expect([s.x.at(-1), s.y.at(-1)]).toEqual([x[n - 1], y[n - 1]]);
  });

  it("returns a short series whole, without its absent readings", () => {
    expect(downsampleM4([0, 1, 2, 3], [5, null, 7, Number.NaN], 2000)).toEqual({ x: [0, 2], y: [5, 7] });
  });

  it("rejects fewer than 4 points", () => {
    expect(() => downsampleM4(x, y, 3)).toThrow(InvalidOptionsError);
  });
});

describe("escaping into one HTML file", () => {
  it("escapes text for elements and quoted attributes", () => {
    expect(escapeHtml(`<b class="x">Tom & Jerry's</b>`)).toBe("&lt;b class=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;");
  });

  it("writes JSON that cannot close its <script> element and reads back unchanged", () => {
    const value = { name: "</script><script>alert(1)</script>", comment: "<!-- x -->", lines: "a\u2028b\u2029c", amp: "a&b" };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it("makes script source safe inline without changing what it computes", () => {
    const source = `globalThis.out = ["</script>", "<!--", /a<!--b/.test("a<!--b"), \`</Script\`].join("|");`;
    const inline = scriptForInline(source);
    expect(inline).not.toMatch(/<\/script|<!--/i);
    const run = (code: string) => new Function(`const globalThis = {}; ${code}; return globalThis.out;`)() as string;
    expect(run(inline)).toBe(run(source));
  });
});

describe("groupWarnings", () => {
  it("groups run warnings by code, most frequent first, each run once with its messages", () => {
    const groups = groupWarnings([
      { position: 0, label: "001_a", warnings: [{ code: "short-window", message: "w1" }, { code: "simulated", message: "s" }] },
      { position: 1, label: "002_b", warnings: [{ code: "simulated", message: "s" }, { code: "sample-gaps", message: "g1" }, { code: "sample-gaps", message: "g2" }] },
      { position: 2, label: "003_c", warnings: [] },
    ]);
    expect(groups).toEqual([
      { code: "simulated", runs: [{ position: 0, label: "001_a", messages: ["s"] }, { position: 1, label: "002_b", messages: ["s"] }] },
      { code: "sample-gaps", runs: [{ position: 1, label: "002_b", messages: ["g1", "g2"] }] },
      { code: "short-window", runs: [{ position: 0, label: "001_a", messages: ["w1"] }] },
    ]);
  });
});

describe("readRunTimeline", () => {
  // 10 s at 10 ms: 400 W with a 900 W spike at 5.00 s; thermal slowdown (0x20) from 2 to 4 s,
  // GpuIdle (0x1, not a slowdown) from 6 to 7 s; the window from 1 s to 9 s.
  const series = syntheticSeries({
    durationS: 10,
    intervalMs: 10,
    powerW: (s) => (Math.abs(s - 5) < 0.004 ? 900 : 400),
    temperatureC: (s) => 60 + s,
    throttleReasons: (s) => (s >= 2 - 1e-9 && s < 4 - 1e-9 ? 0x20 : s >= 6 - 1e-9 && s < 7 - 1e-9 ? 0x1 : 0),
  });
  const window = { startNs: T0_NS + 1_000_000_000n, endNs: T0_NS + 9_000_000_000n };
  const read = async (maxPoints: number) => {
    const file = join(mkdtempSync(join(tmpdir(), "lem-report-")), "timeseries.parquet");
    await writeTimeseriesParquet(file, [series], window);
    return readRunTimeline(file, { startNs: String(window.startNs), endNs: String(window.endNs) }, maxPoints);
  };

  it("places the window in seconds since the first sample", async () => {
    const t = await read(200);
    expect(t.window).toEqual({ startS: 1, endS: 9 });
    expect(t.durationS).toBe(10);
    expect(t.samples).toBe(1001);
  });

  it("finds the slowdown episode at full resolution and ignores GpuIdle", async () => {
    const t = await read(200);
    expect(t.throttle).toEqual([{ device: 0, startS: 2, endS: 4, reasons: ["SwThermalSlowdown"] }]);
  });

  it("downsamples power and temperature to the budget and keeps the spike", async () => {
    const t = await read(200);
    const d = t.devices[0]!;
    expect(d.power.x.length).toBeLessThanOrEqual(200);
    expect(d.temperature.x.length).toBeLessThanOrEqual(200);
    expect(Math.max(...d.power.y)).toBe(900);
    expect(d.power.x[d.power.y.indexOf(900)]).toBe(5);
    expect(Math.max(...d.temperature.y)).toBe(70);
  });
});
