// `lem report` end to end: a small study on the simulated GPU, its report written by the
// command, then opened in a real headless Chromium with every non-file request blocked.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPlotlyBundle } from "../lib/report/plotly-bundle.js";
import { cleanEnv, repoRoot, runLem } from "./support/run-lem.js";
import { studyDirIn, writeStudy } from "./support/study.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_MISSING = `${CHROMIUM} is missing: this test needs Debian's Chromium. Install it with "apt-get install -y chromium" (the test setup does, as root on Debian: test/support/install-test-deps.sh).`;
const artifacts = join(repoRoot, "test", ".artifacts");

// A steady 300-600 W load whose clocks are lowered for 0.2 s in every 0.4 s, alternating
// thermal slowdown and power cap, so that every run's timeline holds throttle episodes.
const scenario = {
  name: "report-throttle",
  devices: [
    {
      name: "NVIDIA H100 80GB HBM3",
      idleW: 70,
      power: [{ kind: "square", lowW: 300, highW: 600, periodS: 0.1, duty: 0.5, durationS: 600 }],
      loop: true,
      energyCounterStepMs: 100,
      temperature: { ambientC: 35, perWattC: 0.09, timeConstantS: 8 },
      throttle: Array.from({ length: 1500 }, (_, i) => ({
        startS: i * 0.4,
        endS: i * 0.4 + 0.2,
        reasons: [i % 2 ? "SwThermalSlowdown" : "SwPowerCap"],
      })),
    },
  ],
};

let studyDir = "";
let reportPath = "";
let html = "";
let reportRun: Awaited<ReturnType<typeof runLem>>;
let work = "";

beforeAll(async () => {
  const { dir, file } = writeStudy({ name: "report-browser", sweep: { "params.batch_size": [1, 4] }, cycles: 2 });
  work = dir;
  const scenarioFile = join(dir, "scenario.json");
  writeFileSync(scenarioFile, JSON.stringify(scenario));
  const env = cleanEnv({ LEM_SIMULATE: scenarioFile, LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") });
  const run = await runLem(["run", file], env);
  if (run.exitCode !== 0) throw new Error(`lem run failed (${run.exitCode}): ${run.stderr}`);
  studyDir = studyDirIn(dir);
  reportRun = await runLem(["report", studyDir], cleanEnv());
  reportPath = join(studyDir, "report.html");
  html = existsSync(reportPath) ? readFileSync(reportPath, "utf8") : "";
}, 240_000);

describe("lem report", () => {
  it("writes STUDY_DIR/report.html, prints its path and exits 0", () => {
    expect(reportRun.exitCode, reportRun.stderr).toBe(0);
    expect(reportRun.stdout.trim()).toBe(reportPath);
    expect(reportRun.stderr).toMatch(/^lem: wrote the report of 4 run\(s\), \d+(\.\d)? (KiB|MiB), to .*report\.html$/);
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
  });

  it("writes where --output says, as every other lem command spells it", async () => {
    const out = join(work, "elsewhere", "study.html");
    const r = await runLem(["report", studyDir, "--output", out, "--max-points", "100"], cleanEnv());
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    expect(readFileSync(out, "utf8")).toContain("at most 100 points per run");
  });

  it("takes -o and --out for --output too, and refuses two different destinations", async () => {
    for (const flag of ["-o", "--out"]) {
      const out = join(work, `by${flag}`, "study.html");
      const r = await runLem(["report", studyDir, flag, out], cleanEnv());
      expect(r.exitCode, r.stderr).toBe(0);
      expect(existsSync(out)).toBe(true);
    }
    const two = await runLem(["report", studyDir, "--out", "a.html", "--output", "b.html"], cleanEnv());
    expect(two.exitCode).toBe(64);
    expect(two.stderr).toBe('lem: lem report got two destinations, --out a.html and --output b.html: give one. See "lem report --help".');
  });

  it("says what is wrong, without a stack trace, for a directory that is not a study", async () => {
    const notStudy = mkdtempSync(join(tmpdir(), "lem-not-a-study-"));
    const r = await runLem(["report", notStudy], cleanEnv());
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(`lem: ${notStudy} is not a lem study directory: ${join(notStudy, "manifest.json")} does not exist. Give the directory "lem run" wrote.`);
    const missing = await runLem(["report", join(notStudy, "nope")], cleanEnv());
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain(`${join(notStudy, "nope")} does not exist`);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it("rejects a missing directory argument and a tiny --max-points as usage errors (exit 64)", async () => {
    const none = await runLem(["report"], cleanEnv());
    expect(none.exitCode).toBe(64);
    expect(none.stderr).toContain("lem report takes one study directory");
    const tiny = await runLem(["report", studyDir, "--max-points", "3"], cleanEnv());
    expect(tiny.exitCode).toBe(64);
    expect(tiny.stderr).toBe('lem: --max-points must be a whole number >= 4, got "3"');
  });

  it("has --help with examples", async () => {
    const r = await runLem(["report", "--help"], cleanEnv());
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("Usage: lem report STUDY_DIR [--output FILE] [--max-points N] [--open]");
    expect(r.stdout).toContain("Examples:\n  lem report results/");
  });

  it("--open hands the written file to the system's opener (xdg-open on Linux)", async () => {
    const bin = mkdtempSync(join(tmpdir(), "lem-opener-"));
    const record = join(bin, "opened.txt");
    writeFileSync(join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s' "$1" > "${record}"\n`);
    chmodSync(join(bin, "xdg-open"), 0o755);
    const out = join(bin, "opened.html");
    const r = await runLem(["report", studyDir, "--out", out, "--open"], cleanEnv({ PATH: `${bin}:${process.env.PATH ?? ""}` }));
    expect(r.exitCode, r.stderr).toBe(0);
    // The opener runs detached: give it time to write its record (generous for a loaded 2-core machine).
    for (let i = 0; i < 200 && !existsSync(record); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readFileSync(record, "utf8")).toBe(out);
  });
});

describe("the report file", () => {
  // The page without the library (which the next tests check on their own); matches are
  // compared rather than the 1 MB page, so that a failure prints what matched.
  const page = () => html.replace(readPlotlyBundle().source, "");

  it("embeds plotly.js unmodified, and the data", () => {
    expect(html.includes(readPlotlyBundle().source)).toBe(true);
    expect(html.includes('<script type="application/json" id="lem-report-data">')).toBe(true);
  });

  it("refers to no other file or resource", () => {
    expect(page().match(/<script[^>]*\ssrc=|<link\b|<img\b|<iframe\b|<object\b|<embed\b|@import|url\(/gi) ?? []).toEqual([]);
  });

  it("holds no URL outside the embedded library", () => {
    expect(page().match(/\b(https?|wss?|ftp):\/\/[^\s"'<>)]*/gi) ?? []).toEqual([]);
  });

  it("holds, inside the library, only XML namespace names and inert text (licences, help messages, defaults of features the basic bundle lacks)", () => {
    const urls = new Set(readPlotlyBundle().source.match(/\bhttps?:\/\/[^\s"'<>)\\]*/gi) ?? []);
    const namespaces = /^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink|1999\/xhtml|2000\/xmlns\/|XML\/1998\/namespace)$/;
    // Review each new entry when plotly.js is upgraded: none may be something the page loads.
    const inert = new Set([
      "http://getify.mit-license.org", // licence comment
      "http://syntheti.cc", // licence comment
      "https://github.com/voidqk/polybooljs", // licence comment
      "https://github.com/d3/d3-format/tree/v1.4.5#d3-format", // attribute description
      "https://github.com/d3/d3-time-format/tree/v2.2.3#locale_format", // attribute description
      "https://plotly.com/javascript/animations/", // error message text
      "https://plotly.com/", // the logo's link: the report hides the logo (displaylogo: false)
      "https://cdn.plot.ly/un/", // topojsonURL default: maps only, not in the basic bundle
    ]);
    expect([...urls].filter((u) => !namespaces.test(u) && !inert.has(u))).toEqual([]);
  });

  it("marks the study as simulated in the page title", () => {
    expect(html.match(/<title>.*<\/title>/)?.[0]).toBe("<title>SIMULATED GPU · report-browser · lem report</title>");
  });
});

describe("the report in headless Chromium", () => {
  let context: BrowserContext;
  let page: Page;
  let profile = "";
  const attempted: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(CHROMIUM_MISSING);
    profile = mkdtempSync(join(tmpdir(), "lem-chromium-profile-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 900 },
      colorScheme: "light",
    });
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file://")) return route.continue();
      attempted.push(url);
      return route.abort("blockedbyclient");
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    await page.goto(`file://${reportPath}`);
    // Generous: a loaded 2-core machine can take seconds to parse 1 MB of script and draw.
    await page.waitForFunction(() => [...document.querySelectorAll(".chart")].every((c) => c.getAttribute("data-drawn") === "true"), null, { timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("has Chromium at /usr/bin/chromium", () => {
    expect(existsSync(CHROMIUM), CHROMIUM_MISSING).toBe(true);
  });

  it("attempts no network request", () => {
    expect(attempted).toEqual([]);
  });

  it("logs no error or warning and throws none", () => {
    expect(errors).toEqual([]);
  });

  it("draws every chart with its data", async () => {
    const drawn = await page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll<HTMLElement>(".chart")].map((c) => [
          c.id,
          {
            traces: c.querySelectorAll("svg.main-svg .trace").length,
            bars: c.querySelectorAll(".trace.bars .point path").length,
            markers: c.querySelectorAll(".trace.scatter .points path").length,
            // A drawn line joins at least two points ("M x,y L x,y ..."); a flat temperature is
            // drawn with a short path, so the path's length says nothing (it failed a CI run).
            lines: [...c.querySelectorAll<SVGPathElement>(".trace.scatter path.js-line")].filter((p) => /^M[^A-Z]+L/.test(p.getAttribute("d") ?? "")).length,
          },
        ]),
      ),
    );
    // Energy: bars for the 2 configurations and a dot per completed run (2 configurations x 2 cycles).
    expect(drawn["chart-energy"]).toMatchObject({ traces: 2, bars: 2, markers: 4 });
    // Pareto: the 2 configurations (batching wins on both figures here, so one is dominated).
    expect(drawn["chart-pareto"]!.traces).toBeGreaterThanOrEqual(1);
    expect(drawn["chart-pareto"]!.markers).toBe(2);
    // Timeline: power and temperature of the one GPU, each a drawn line.
    expect(drawn["chart-timeline"]).toMatchObject({ traces: 2, lines: 2 });
  });

  it("shows the SIMULATED GPU mark in the header and in every chart's title", async () => {
    expect(await page.locator("#simulated-mark").isVisible()).toBe(true);
    expect(await page.locator("#simulated-mark").innerText()).toContain("SIMULATED GPU");
    const titles = await page.locator(".chart .gtitle").allTextContents();
    expect(titles).toHaveLength(3);
    for (const t of titles) expect(t.startsWith("SIMULATED GPU · ")).toBe(true);
  });

  it("shades the throttle episodes and marks the window in the timeline", async () => {
    const shown = await page.evaluate(() => {
      const el = document.getElementById("chart-timeline") as HTMLElement & { layout: { shapes: { type: string }[] } };
      const data = JSON.parse(document.getElementById("lem-report-data")!.textContent!) as {
        runs: { label: string; timeline: { throttle: unknown[]; window: unknown } | null }[];
      };
      const run = data.runs.find((r) => r.label === el.getAttribute("data-run"))!;
      return {
        episodes: run.timeline!.throttle.length,
        rects: el.layout.shapes.filter((s) => s.type === "rect").length,
        lines: el.layout.shapes.filter((s) => s.type === "line").length,
        drawnShapes: el.querySelectorAll(".shapelayer path").length,
        annotations: [...el.querySelectorAll(".annotation-text")].map((a) => a.textContent),
        details: document.getElementById("timeline-details")!.textContent,
      };
    });
    expect(shown.episodes).toBeGreaterThan(0);
    expect(shown.rects).toBe(shown.episodes);
    expect(shown.lines).toBe(2);
    expect(shown.drawnShapes).toBe(shown.episodes + 2);
    expect(shown.annotations).toEqual(["window start", "window end"]);
    expect(shown.details).toMatch(/Throttle episodes \(shaded\): GPU 0 [\d.]+–[\d.]+ s (SwPowerCap|SwThermalSlowdown)/);
  });

  it("switches the timeline to the run the selector picks", async () => {
    const before = await page.locator("#chart-timeline").getAttribute("data-run");
    const options = await page.locator("#run-select option").evaluateAll((os) => os.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent ?? "" })));
    expect(options).toHaveLength(4);
    const target = options[2]!;
    const label = target.text.split(" · ")[0]!;
    expect(label).not.toBe(before);
    await page.selectOption("#run-select", target.value);
    await page.waitForFunction((l) => {
      const el = document.getElementById("chart-timeline")!;
      return el.getAttribute("data-run") === l && el.getAttribute("data-drawn") === "true";
    }, label);
    expect(await page.locator("#chart-timeline .gtitle").textContent()).toBe(`SIMULATED GPU · Power and temperature, run ${label}`);
    const plotted = await page.evaluate(() => {
      const el = document.getElementById("chart-timeline") as HTMLElement & { data: { x: number[] }[] };
      return el.data[0]!.x.at(-1);
    });
    const expected = await page.evaluate((l) => {
      const data = JSON.parse(document.getElementById("lem-report-data")!.textContent!) as { runs: { label: string; timeline: { devices: { power: { x: number[] } }[] } }[] };
      return data.runs.find((r) => r.label === l)!.timeline.devices[0]!.power.x.at(-1);
    }, label);
    expect(plotted).toBe(expected);
    expect(await page.locator("#timeline-details").textContent()).toContain(`Run ${label} (`);
  });

  it("switches the timeline from a run's link in the runs table", async () => {
    const link = page.locator("a.run-link").first();
    const label = (await link.textContent())!;
    await link.click();
    await page.waitForFunction((l) => document.getElementById("chart-timeline")!.getAttribute("data-run") === l, label);
    expect(await page.locator("#run-select").inputValue()).toBe("0");
  });

  it("follows dark mode: dark page, light chart text", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === "rgb(14, 19, 25)");
    await page.waitForFunction(() => (document.querySelector("#chart-energy .gtitle") as SVGElement | null)?.style.fill === "rgb(228, 233, 240)");
    await page.emulateMedia({ colorScheme: "light" });
    await page.waitForFunction(() => (document.querySelector("#chart-energy .gtitle") as SVGElement | null)?.style.fill === "rgb(27, 35, 48)");
  });

  it("hides the navigation and controls when printed", async () => {
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("nav").isVisible()).toBe(false);
    expect(await page.locator(".controls").isVisible()).toBe(false);
    expect(await page.locator("#simulated-mark").isVisible()).toBe(true);
    await page.emulateMedia({ media: "screen" });
  });

  it("saves a screenshot to test/.artifacts/report.png", async () => {
    mkdirSync(artifacts, { recursive: true });
    const file = join(artifacts, "report.png");
    await page.mouse.move(0, 0); // no hover label or chart toolbar in the picture
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: file, fullPage: true });
    expect(readFileSync(file).subarray(1, 4).toString()).toBe("PNG");
    expect(errors).toEqual([]);
  });
});
