/** How `lem run` shows a study's progress: live region, plain lines or JSON events. */
import type { StudyEvent } from "../../executors/study-events.js";
import { toJson } from "../output.js";
import { eventLine } from "./event-lines.js";
import type { Colors } from "./terminal.js";

export interface ProgressDisplay {
  onEvent(event: StudyEvent): void;
  /** A message that must stay on screen (e.g. "stopping the current run"). */
  note(text: string): void;
  /** Ends the display: no live region left, its sampler stopped, the cursor shown. Safe to call twice. */
  close(): void;
}

/** Off a terminal, or with --quiet: one plain line per event on stderr, no escape codes. */
export class PlainProgress implements ProgressDisplay {
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly colors?: Colors,
  ) {}

  onEvent(event: StudyEvent): void {
    this.stream.write(`${this.colors ? eventLine(event, this.colors) : eventLine(event)}\n`);
  }

  note(text: string): void {
    // On a terminal (--quiet) the note starts below the "^C" the terminal echoed.
    this.stream.write(`${this.stream.isTTY ? "\n" : ""}${text}\n`);
  }

  close(): void {}
}

/** --json: one JSON event per line on stdout (for programs); notes go to stderr. */
export class JsonProgress implements ProgressDisplay {
  onEvent(event: StudyEvent): void {
    process.stdout.write(`${toJson(event).replace(/\n\s*/g, " ")}\n`);
  }

  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  close(): void {}
}
