/**
 * lem's typed errors. Each has a stable `code`; the CLI prints `message` (what is wrong,
 * where, and what to do) without a stack trace.
 */
export class LemError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The native addon could not be loaded (not built for this platform, or broken). */
export class NativeLoadError extends LemError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("LEM_NATIVE_LOAD", message, options);
  }
}

/** No NVML provider: no driver, no library, or nvmlInit failed; and no simulation selected. */
export class NvmlUnavailableError extends LemError {
  readonly nvmlName: string | undefined;
  constructor(message: string, nvmlName?: string) {
    super("LEM_NVML_UNAVAILABLE", message);
    this.nvmlName = nvmlName;
  }
}

/** An NVML call returned an error. */
export class NvmlError extends LemError {
  readonly nvmlCode: number;
  readonly nvmlName: string;
  readonly nvmlFunction: string | undefined;
  constructor(message: string, nvmlCode: number, nvmlName: string, nvmlFunction?: string) {
    super("LEM_NVML_ERROR", message);
    this.nvmlCode = nvmlCode;
    this.nvmlName = nvmlName;
    this.nvmlFunction = nvmlFunction;
  }
}

/** Options given to a lem API or command are invalid. */
export class InvalidOptionsError extends LemError {
  constructor(message: string) {
    super("LEM_INVALID_OPTIONS", message);
  }
}

/** A CUDA_VISIBLE_DEVICES entry is malformed or names no GPU. */
export class CudaVisibleDevicesError extends LemError {
  constructor(message: string) {
    super("LEM_CUDA_VISIBLE_DEVICES", message);
  }
}

/** An operation was called in a state that does not allow it (e.g. start() twice). */
export class InvalidStateError extends LemError {
  constructor(message: string) {
    super("LEM_INVALID_STATE", message);
  }
}

interface NativeErrorShape {
  code?: unknown;
  message?: unknown;
  nvmlCode?: unknown;
  nvmlName?: unknown;
  nvmlFunction?: unknown;
}

/** Maps an error thrown by the addon onto lem's typed errors. */
export function fromNativeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const e = error as Error & NativeErrorShape;
  const message = String(e.message);
  switch (e.code) {
    case "LEM_NVML_UNAVAILABLE":
      return new NvmlUnavailableError(message, typeof e.nvmlName === "string" ? e.nvmlName : undefined);
    case "LEM_NVML_ERROR":
      return new NvmlError(
        message,
        Number(e.nvmlCode),
        String(e.nvmlName),
        typeof e.nvmlFunction === "string" ? e.nvmlFunction : undefined,
      );
    case "LEM_INVALID_ARGUMENT":
      return new InvalidOptionsError(message);
    case "LEM_INVALID_STATE":
      return new InvalidStateError(message);
    default:
      return error;
  }
}
