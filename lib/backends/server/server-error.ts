/** Why a server lem waited for never served: a typed error with a stable code, the log tail in its message. */
import { LemError } from "../../errors.js";

export const SERVER_ERROR_CODES = ["server-exited", "server-not-ready", "server-probe-failed", "server-aborted", "server-unreachable"] as const;
export type ServerErrorCode = (typeof SERVER_ERROR_CODES)[number];

export class ServerError extends LemError {
  declare readonly code: ServerErrorCode;
  /** The server's log, when lem started it. */
  readonly logFile: string | undefined;
  /** Its last lines when the error was raised ("" when there is no log). */
  readonly logTail: string;
  constructor(code: ServerErrorCode, message: string, o: { logFile?: string; logTail?: string } = {}) {
    super(code, message);
    this.logFile = o.logFile;
    this.logTail = o.logTail ?? "";
  }
}
