/** The charting library the report embeds: plotly.js's basic bundle, read from node_modules. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { EmbeddedLibrary } from "./html.js";

const require = createRequire(import.meta.url);

/** plotly.js-basic-dist-min's minified bundle and a credit line with its version and licence. */
export function readPlotlyBundle(): EmbeddedLibrary {
  const file = require.resolve("plotly.js-basic-dist-min");
  const pkg = JSON.parse(readFileSync(require.resolve("plotly.js-basic-dist-min/package.json"), "utf8")) as { version?: string; license?: string };
  return {
    source: readFileSync(file, "utf8"),
    credit: `plotly.js ${pkg.version ?? "(unknown version)"} (${pkg.license ?? "MIT"} licence, © Plotly, Inc.)`,
  };
}
