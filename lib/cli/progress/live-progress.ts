/**
 * The live display of `lem run` on a terminal: finished runs as permanent lines, and below
 * them a region redrawn ~4 times a second (log-update) with the runs done, the run in
 * progress, the time left and the GPUs' power and temperature now, read by a low-rate
 * sampler of its own. close() runs on every way out (end, error, Ctrl-C, process.exit)
 * so that no region is left behind and the cursor log-update hid is shown again.
 */
import { createLogUpdate } from "log-update";
import type { StudyEvent } from "../../executors/study-events.js";
import { eventLine } from "./event-lines.js";
import type { GpuReading } from "./latest-readings.js";
import { LiveGpuReader } from "./live-gpu-reader.js";
import type { ProgressDisplay } from "./progress-display.js";
import { renderRegion } from "./render-region.js";
import { StudyProgress } from "./study-progress.js";
import type { Colors } from "./terminal.js";

export interface LiveProgressOptions {
  /** The terminal stream (stderr: stdout stays for results). */
  stream: NodeJS.WriteStream;
  colors: Colors;
  /** When lem started (Date.now()). */
  startedAtMs: number;
  /** The whole study's expected seconds from `startedAtMs`, if known. */
  initialEstimateS?: number | null;
  /** Region refresh, ms. */
  refreshMs?: number;
  /** Interval of the display's own sampler, ms. */
  sampleMs?: number;
}

export class LiveProgress implements ProgressDisplay {
  readonly #stream: NodeJS.WriteStream;
  readonly #colors: Colors;
  readonly #log: ReturnType<typeof createLogUpdate>;
  readonly #progress: StudyProgress;
  readonly #sampleMs: number;
  readonly #timer: NodeJS.Timeout;
  readonly #onExit = () => this.close();
  #reader: LiveGpuReader | null = null;
  #readerProblem = "GPU readings start with the first run";
  #closed = false;

  constructor(o: LiveProgressOptions) {
    this.#stream = o.stream;
    this.#colors = o.colors;
    this.#log = createLogUpdate(o.stream);
    this.#progress = new StudyProgress(o.startedAtMs, o.initialEstimateS ?? null);
    this.#sampleMs = o.sampleMs ?? 250;
    this.#timer = setInterval(() => this.#render(), o.refreshMs ?? 250);
    this.#timer.unref(); // the display never keeps lem alive
    process.once("exit", this.#onExit);
    this.#render();
  }

  onEvent(event: StudyEvent): void {
    if (this.#closed) return;
    this.#progress.apply(event, Date.now());
    if (event.type === "study-start") this.#startReader(event.devices);
    if (event.type !== "run-start") this.#permanent(eventLine(event, this.#colors));
    if (event.type === "study-end") this.#stopReader();
    this.#render();
  }

  note(text: string): void {
    if (this.#closed) this.#stream.write(`${text}\n`);
    else this.#permanent(text);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    process.off("exit", this.#onExit);
    this.#stopReader();
    this.#log.clear();
    this.#log.done(); // shows the cursor again
  }

  #startReader(devices: number[]): void {
    try {
      this.#reader = new LiveGpuReader({ devices, intervalMs: this.#sampleMs });
    } catch (error) {
      // The study measures with its own sampler; the display only loses its live figures.
      this.#readerProblem = `live GPU readings unavailable (${error instanceof Error ? error.message : String(error)})`;
    }
  }

  #stopReader(): void {
    this.#reader?.stop();
    this.#reader = null;
    this.#readerProblem = "no run in progress";
  }

  #permanent(line: string): void {
    this.#log.clear();
    this.#stream.write(`${line}\n`);
    this.#render();
  }

  #gpuReadings(): GpuReading[] | string {
    const reader = this.#reader;
    if (!reader) return this.#readerProblem;
    try {
      reader.refresh();
    } catch (error) {
      return `live GPU readings failed (${error instanceof Error ? error.message : String(error)})`;
    }
    const devices = this.#progress.current?.devices ?? this.#progress.devices;
    return devices.map((d) => reader.latest(d));
  }

  #render(): void {
    if (this.#closed) return;
    this.#log(renderRegion({ progress: this.#progress, nowMs: Date.now(), gpus: this.#gpuReadings(), colors: this.#colors }));
  }
}
