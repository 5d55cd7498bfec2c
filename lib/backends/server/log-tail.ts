/** The last lines of a log file, for error messages; reads only its end, however large the file. */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** At most this many bytes are read from the end (enough for 40 long lines). */
const TAIL_BYTES = 64 * 1024;

/** Last `lines` lines of `file` ("" when it is missing or empty), without a trailing newline. */
export function logTail(file: string, lines = 40, maxBytes = TAIL_BYTES): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return "";
  }
  try {
    const size = fstatSync(fd).size;
    // One byte more than kept: when it is a newline, the kept part starts on a whole line.
    const start = size > maxBytes ? size - maxBytes - 1 : 0;
    const buffer = Buffer.alloc(size - start);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    let text = buffer.subarray(0, read).toString("utf8");
    // Started mid-file: everything up to the first newline is a fragment (or that one byte).
    if (start > 0) text = text.slice(text.indexOf("\n") + 1);
    const all = text.replace(/\r/g, "").split("\n");
    if (all.at(-1) === "") all.pop();
    return all.slice(-lines).join("\n");
  } finally {
    closeSync(fd);
  }
}
