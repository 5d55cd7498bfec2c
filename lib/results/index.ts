/** Results: the run result schema, the study layout, statistics, and the files lem writes. */
export * from "./result-schema.js";
export * from "../study-format/layout.js";
export * from "./write-result.js";
export * from "./timeseries-parquet.js";
export * from "./summary-csv.js";
export * from "./stats.js";
export * from "./bootstrap.js";
