/** Test helper: the DatasetError a loading step throws. */
import { expect } from "vitest";
import { DatasetError } from "../../lib/datasets/dataset-error.js";

/** The DatasetError `fn` throws (fails the test when it throws nothing or something else). */
export function datasetError(fn: () => unknown): DatasetError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error("expected a DatasetError, nothing was thrown");
}
