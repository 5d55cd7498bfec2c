/**
 * The report page's own script (browser JavaScript, kept as text: lib/ compiles for Node). It
 * reads the embedded data and draws the three charts with Plotly: energy per output token per
 * configuration, energy against throughput with the Pareto front, and the timeline of the run
 * the selector picks. Colours come from the stylesheet's custom properties, so the charts
 * follow light and dark mode and print in light colours. Text from the study goes into the
 * DOM through textContent, and into Plotly with its markup characters as entities.
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("lem-report-data").textContent);
  var SIM = data.simulated ? "SIMULATED GPU \u00b7 " : "";
  var CONFIG = {
    displaylogo: false,
    responsive: true,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "hoverClosestCartesian", "hoverCompareCartesian"],
    toImageButtonOptions: { format: "png", scale: 2 }
  };
  var selectedRun = -1;

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }
  function theme() {
    return {
      fg: css("--fg"), muted: css("--muted"), grid: css("--grid"), border: css("--border"), bg: css("--bg"),
      accent: [css("--accent"), css("--accent-2"), css("--accent-3"), css("--accent-4")],
      other: css("--other"), front: css("--front"), window: css("--window"), throttle: css("--throttle"),
      font: css("--font")
    };
  }
  // Plotly reads a few HTML-like tags in text: study names and slugs go in as plain text.
  function plain(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function fmt(x, digits) {
    if (x === null || x === undefined || !isFinite(x)) return "n/a";
    if (x === 0) return "0";
    var d = digits || 4;
    var decimals = Math.max(0, d - 1 - Math.floor(Math.log10(Math.abs(x))));
    return x.toFixed(Math.min(decimals, 12));
  }
  // Times on the timeline: millisecond steps, like the axis.
  function seconds(x) {
    return x.toFixed(3);
  }
  function interval(ci, scale, unit) {
    return ci ? "95% CI [" + fmt(ci.low * scale) + ", " + fmt(ci.high * scale) + "] " + unit : "no interval (fewer than 2 runs)";
  }
  function axis(t, title, extra) {
    var a = {
      title: { text: title, standoff: 12 },
      gridcolor: t.grid, zerolinecolor: t.border, linecolor: t.border, tickcolor: t.border,
      ticks: "outside", automargin: true, showline: true
    };
    for (var k in extra || {}) a[k] = extra[k];
    return a;
  }
  function layout(t, title, extra) {
    var l = {
      title: { text: "<b>" + SIM + plain(title) + "</b>", x: 0.01, xanchor: "left", font: { size: 15 } },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { family: t.font, color: t.fg, size: 12 },
      margin: { l: 70, r: 30, t: 56, b: 40 },
      legend: { orientation: "h", x: 0, y: -0.22, yanchor: "top" },
      hoverlabel: { font: { family: t.font } },
      height: 460
    };
    for (var k in extra || {}) l[k] = extra[k];
    return l;
  }
  function errorBars(items, pick, scale, color) {
    return {
      type: "data", symmetric: false, visible: true, color: color, thickness: 1.5, width: 5,
      array: items.map(function (c) { var f = pick(c); return f.ci95 ? (f.ci95.high - f.mean) * scale : null; }),
      arrayminus: items.map(function (c) { var f = pick(c); return f.ci95 ? (f.mean - f.ci95.low) * scale : null; })
    };
  }

  function energyFigure(t) {
    var cs = data.configurations.filter(function (c) { return c.energyPerOutputTokenJ.mean !== null; });
    if (cs.length === 0) return null;
    var slugs = cs.map(function (c) { return plain(c.label); });
    var bars = {
      type: "bar", name: "mean of the cycles, with its 95% bootstrap interval",
      x: slugs,
      y: cs.map(function (c) { return c.energyPerOutputTokenJ.mean * 1000; }),
      marker: { color: t.accent[0], opacity: 0.85 },
      error_y: errorBars(cs, function (c) { return c.energyPerOutputTokenJ; }, 1000, t.fg),
      customdata: cs.map(function (c) {
        return [interval(c.energyPerOutputTokenJ.ci95, 1000, "mJ"), c.energyPerOutputTokenJ.n];
      }),
      hovertemplate: "<b>%{x}</b><br>%{y:.4g} mJ/output token<br>%{customdata[0]}<br>n = %{customdata[1]} runs<extra></extra>"
    };
    var dotsX = [], dotsY = [], dotsText = [];
    cs.forEach(function (c) {
      c.runValues.forEach(function (r) {
        if (r.energyPerOutputTokenJ === null) return;
        dotsX.push(plain(c.label));
        dotsY.push(r.energyPerOutputTokenJ * 1000);
        dotsText.push("run " + (r.position + 1) + ", cycle " + (r.cycle + 1));
      });
    });
    var dots = {
      type: "scatter", mode: "markers", name: "single runs (one per cycle)",
      x: dotsX, y: dotsY, text: dotsText,
      marker: { color: t.fg, size: 7, symbol: "circle-open", line: { width: 1.5 } },
      hovertemplate: "%{text}<br>%{y:.4g} mJ/output token<extra></extra>"
    };
    return {
      data: [bars, dots],
      layout: layout(t, "Energy per output token by configuration", {
        xaxis: axis(t, "Configuration", { type: "category" }),
        yaxis: axis(t, "Energy per output token (mJ)", { rangemode: "tozero" }),
        bargap: 0.45
      })
    };
  }

  function paretoFigure(t) {
    var cs = data.configurations.filter(function (c) {
      return c.energyPerOutputTokenJ.mean !== null && c.outputTokensPerS.mean !== null;
    });
    if (cs.length === 0) return null;
    var front = cs.filter(function (c) { return c.onParetoFront; })
      .sort(function (a, b) { return a.outputTokensPerS.mean - b.outputTokensPerS.mean; });
    var others = cs.filter(function (c) { return !c.onParetoFront; });
    function trace(items, name, color, symbol, lines) {
      return {
        type: "scatter", mode: (lines ? "lines+" : "") + "markers+text", name: name,
        x: items.map(function (c) { return c.outputTokensPerS.mean; }),
        y: items.map(function (c) { return c.energyPerOutputTokenJ.mean * 1000; }),
        text: items.map(function (c) { return plain(c.label); }),
        textposition: "top right",
        textfont: { color: t.fg, size: 11 },
        cliponaxis: false,
        marker: { color: color, size: 11, symbol: symbol, line: { color: t.bg, width: 1 } },
        line: { color: color, width: 2, dash: "dash" },
        error_x: errorBars(items, function (c) { return c.outputTokensPerS; }, 1, color),
        error_y: errorBars(items, function (c) { return c.energyPerOutputTokenJ; }, 1000, color),
        customdata: items.map(function (c) {
          return [interval(c.outputTokensPerS.ci95, 1, "tokens/s"), interval(c.energyPerOutputTokenJ.ci95, 1000, "mJ")];
        }),
        hovertemplate: "<b>%{text}</b><br>%{x:.4g} output tokens/s (%{customdata[0]})<br>%{y:.4g} mJ/output token (%{customdata[1]})<extra>" + name + "</extra>"
      };
    }
    var traces = [trace(front, "Pareto front (not beaten on both figures)", t.front, "diamond", true)];
    if (others.length) traces.push(trace(others, "dominated configurations", t.other, "circle", false));
    return {
      data: traces,
      layout: layout(t, "Energy per output token vs throughput", {
        xaxis: axis(t, "Throughput (output tokens/s)", {}),
        yaxis: axis(t, "Energy per output token (mJ)", {}),
        annotations: [{
          xref: "paper", yref: "paper", x: 1, y: 1.02, xanchor: "right", yanchor: "bottom", showarrow: false,
          text: "better: \u2198 lower energy, higher throughput", font: { color: t.muted, size: 11 }
        }]
      })
    };
  }

  // At least 10 °C tall, so that a 1 °C step does not look like a plunge.
  function temperatureRange(tl) {
    var lo = Infinity, hi = -Infinity;
    tl.devices.forEach(function (d) { d.temperature.y.forEach(function (v) { if (v < lo) lo = v; if (v > hi) hi = v; }); });
    if (!isFinite(lo)) return undefined;
    var pad = Math.max(1, (10 - (hi - lo)) / 2);
    return [Math.floor(lo - pad), Math.ceil(hi + pad)];
  }

  function timelineFigure(t) {
    var run = data.runs[selectedRun];
    if (!run || !run.timeline) return null;
    var tl = run.timeline;
    var traces = [];
    var single = tl.devices.length === 1;
    // The theme's four accents first, then fixed hues readable on light and dark (8-GPU nodes).
    var palette = t.accent.concat(["#0891b2", "#db2777", "#65a30d", "#ca8a04", "#64748b", "#dc2626"]);
    tl.devices.forEach(function (d, k) {
      var color = palette[k % palette.length];
      traces.push({
        type: "scatter", mode: "lines", name: "GPU " + d.index + " power (W)", legendgroup: "gpu-" + d.index,
        x: d.power.x, y: d.power.y, line: { color: color, width: 1.6 },
        hovertemplate: "%{x:.3f} s<br>%{y:.1f} W<extra>GPU " + d.index + " power</extra>"
      });
      traces.push({
        type: "scatter", mode: "lines", name: "GPU " + d.index + " temperature (\u00b0C)", yaxis: "y2", legendgroup: "gpu-" + d.index,
        x: d.temperature.x, y: d.temperature.y,
        line: { color: single ? t.accent[1] : color, width: 1.6, dash: "dot" },
        hovertemplate: "%{x:.3f} s<br>%{y:.1f} \u00b0C<extra>GPU " + d.index + " temperature</extra>"
      });
    });
    var shapes = [], annotations = [];
    // One legend entry per GPU that throttled, naming every reason seen.
    var reasonsByDevice = {};
    tl.throttle.forEach(function (e) {
      var seen = reasonsByDevice[e.device] = reasonsByDevice[e.device] || {};
      e.reasons.forEach(function (r) { seen[r] = true; });
    });
    var inLegend = {};
    tl.throttle.forEach(function (e) {
      var name = (single ? "" : "GPU " + e.device + " ") + "throttled (" + Object.keys(reasonsByDevice[e.device]).join(", ") + ")";
      shapes.push({
        type: "rect", xref: "x", yref: "paper", x0: e.startS, x1: e.endS, y0: 0, y1: 1,
        fillcolor: t.throttle, line: { width: 0 }, layer: "below",
        name: name, legendgroup: "throttle-" + e.device, showlegend: !inLegend[e.device]
      });
      inLegend[e.device] = true;
    });
    if (tl.window) {
      [["window start", tl.window.startS, "right"], ["window end", tl.window.endS, "left"]].forEach(function (w) {
        shapes.push({ type: "line", xref: "x", yref: "paper", x0: w[1], x1: w[1], y0: 0, y1: 1, line: { color: t.window, width: 1.5, dash: "dash" } });
        annotations.push({
          xref: "x", yref: "paper", x: w[1], y: 1, xanchor: w[2], yanchor: "bottom", showarrow: false,
          text: w[0], font: { color: t.muted, size: 11 }
        });
      });
    }
    var legendRows = Math.ceil((traces.length + Object.keys(inLegend).length) / 5);
    return {
      data: traces,
      layout: layout(t, "Power and temperature, run " + run.label, {
        xaxis: axis(t, "Time since the run's first sample (s)", { rangemode: "tozero" }),
        yaxis: axis(t, "Power (W)", { rangemode: "tozero" }),
        yaxis2: axis(t, "Temperature (\u00b0C)", { overlaying: "y", side: "right", showgrid: false, range: temperatureRange(tl) }),
        // The legend sits at the figure's foot; it grows by a row per few entries (8-GPU nodes).
        margin: { l: 70, r: 70, t: 72, b: 64 + 22 * legendRows },
        height: 440 + 22 * legendRows,
        legend: { orientation: "h", x: 0, xanchor: "left", y: 0, yanchor: "bottom", yref: "container" },
        shapes: shapes,
        annotations: annotations
      })
    };
  }

  function describeTimeline() {
    var out = document.getElementById("timeline-details");
    if (!out) return;
    var run = data.runs[selectedRun];
    var lines = [];
    if (!run) lines.push("No run has a timeline.");
    else if (!run.timeline) lines.push("Run " + run.label + ": no timeline: " + run.timelineNote + ".");
    else {
      var tl = run.timeline;
      var points = tl.devices.reduce(function (n, d) { return n + d.power.x.length; }, 0);
      lines.push(
        "Run " + run.label + " (" + run.slug + ", cycle " + (run.cycle + 1) + ", " + run.status + "): " +
        tl.samples + " samples over " + fmt(tl.durationS, 3) + " s, drawn with " + points +
        " power points (M4 downsampling, peaks kept; at most " + data.maxPointsPerRun + " per run)."
      );
      lines.push(tl.window
        ? "Measurement window: " + seconds(tl.window.startS) + " s to " + seconds(tl.window.endS) + " s (dashed lines)."
        : "The result records no measurement window.");
      lines.push(tl.throttle.length
        ? "Throttle episodes (shaded): " + tl.throttle.map(function (e) {
            return "GPU " + e.device + " " + seconds(e.startS) + "\u2013" + seconds(e.endS) + " s " + e.reasons.join("+");
          }).join("; ") + "."
        : "No throttle episode (no clock-lowering reason seen).");
    }
    out.textContent = "";
    lines.forEach(function (l) {
      var p = document.createElement("p");
      p.textContent = l;
      out.appendChild(p);
    });
  }

  var charts = [
    { id: "chart-energy", figure: energyFigure, empty: "No configuration has a completed run with an energy per output token." },
    { id: "chart-pareto", figure: paretoFigure, empty: "No configuration has both an energy per output token and a throughput." },
    { id: "chart-timeline", figure: timelineFigure, empty: "The selected run has no timeline." }
  ];

  function draw(chart) {
    var el = document.getElementById(chart.id);
    if (!el) return;
    var fig = chart.figure(theme());
    if (!fig) {
      if (el.classList.contains("js-plotly-plot")) Plotly.purge(el);
      el.style.height = "";
      el.classList.add("chart-empty");
      el.textContent = chart.empty;
      el.setAttribute("data-drawn", "empty");
      return;
    }
    el.classList.remove("chart-empty");
    if (!el.classList.contains("js-plotly-plot")) el.textContent = "";
    // A responsive plot fills its container: the container takes the figure's height.
    el.style.height = fig.layout.height + "px";
    el.setAttribute("data-drawn", "pending");
    Plotly.react(el, fig.data, fig.layout, CONFIG).then(function () {
      el.setAttribute("data-drawn", "true");
      if (chart.id === "chart-timeline") el.setAttribute("data-run", selectedRun >= 0 ? data.runs[selectedRun].label : "");
    });
  }
  function drawAll() { charts.forEach(draw); }

  function selectRun(index) {
    selectedRun = index;
    var select = document.getElementById("run-select");
    if (select && select.value !== String(index)) select.value = String(index);
    draw(charts[2]);
    describeTimeline();
  }

  if (typeof Plotly === "undefined") {
    charts.forEach(function (c) {
      var el = document.getElementById(c.id);
      if (el) el.textContent = "The charting library did not load.";
    });
    throw new Error("lem report: Plotly did not load");
  }
  var firstWithTimeline = data.runs.findIndex(function (r) { return r.timeline !== null; });
  selectedRun = firstWithTimeline;
  drawAll();
  describeTimeline();

  var select = document.getElementById("run-select");
  if (select) {
    if (selectedRun >= 0) select.value = String(selectedRun);
    select.addEventListener("change", function () { selectRun(Number(select.value)); });
  }
  function step(by) {
    if (!select) return;
    var options = Array.prototype.filter.call(select.options, function (o) { return !o.disabled; });
    var at = options.findIndex(function (o) { return o.value === select.value; });
    var next = options[at + by];
    if (next) selectRun(Number(next.value));
  }
  var prev = document.getElementById("run-prev");
  var next = document.getElementById("run-next");
  if (prev) prev.addEventListener("click", function () { step(-1); });
  if (next) next.addEventListener("click", function () { step(1); });
  Array.prototype.forEach.call(document.querySelectorAll("a.run-link[data-run]"), function (a) {
    a.addEventListener("click", function () { selectRun(Number(a.getAttribute("data-run"))); });
  });

  // Follow the system's light/dark switch, and print in light colours.
  if (window.matchMedia) {
    var dark = window.matchMedia("(prefers-color-scheme: dark)");
    if (dark.addEventListener) dark.addEventListener("change", drawAll);
  }
  window.addEventListener("beforeprint", function () { document.documentElement.classList.add("printing"); drawAll(); });
  window.addEventListener("afterprint", function () { document.documentElement.classList.remove("printing"); drawAll(); });
})();
`;
