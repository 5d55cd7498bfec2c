/**
 * Spawns a child whose file descriptor 3 is the child protocol, read line by line as it
 * arrives (never buffered whole: memory stays bounded however much the child sends), and says
 * when the child has ended: at its exit, not once every holder of fd 3 has closed it (a
 * grandchild that left the process group may keep it open for ever). Spawns; never samples.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";
import type { ChildEvent, ProtocolReader } from "./protocol.js";

export interface ProtocolChildOptions {
  command: string;
  args: string[];
  /** stdin, stdout, stderr: "inherit", "ignore" or a file descriptor; fd 3 is always the protocol pipe. */
  stdio: [StdioTarget, StdioTarget, StdioTarget];
  /** The child's complete environment. */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Own process group (stopped as a whole, out of the terminal's Ctrl-C). */
  detached: boolean;
  reader: ProtocolReader;
  onEvent?: (event: ChildEvent) => void;
  /** Called for every chunk on fd 3 (activity, for a silence watchdog). */
  onData?: () => void;
  /** How long the rest of fd 3 may take to arrive once the child has exited (default 1000 ms). */
  drainGraceMs?: number;
}

export type StdioTarget = "inherit" | "ignore" | number;

export interface ProtocolChildExit {
  exitCode: number | null;
  signal: string | null;
  /** The spawn itself failed: the errno code ("ENOENT") and the message; null when the child ran. */
  spawnError: { code: string | undefined; message: string } | null;
  /** fd 3 was still open when the grace after the exit ran out (something outside the child holds it). */
  protocolLeftOpen: boolean;
}

export interface ProtocolChild {
  child: ChildProcess;
  pid: number | undefined;
  /** Settles once the child has exited and fd 3 is drained (or its grace is over); never rejects. */
  exited: Promise<ProtocolChildExit>;
}

export function spawnProtocolChild(o: ProtocolChildOptions): ProtocolChild {
  const child = spawn(o.command, o.args, {
    stdio: [...o.stdio, "pipe"],
    env: o.env,
    detached: o.detached,
    ...(o.cwd ? { cwd: o.cwd } : {}),
  });
  const fd3 = child.stdio[3] as Readable | null;
  let fd3Closed = fd3 === null;
  const fd3Done = new Promise<void>((resolve) => {
    if (!fd3) return resolve();
    fd3.setEncoding("utf8"); // a character split across chunks is joined again
    fd3.on("data", (chunk: string) => {
      o.onData?.();
      for (const e of o.reader.push(chunk)) o.onEvent?.(e);
    });
    fd3.on("error", () => undefined); // a broken pipe ends the stream like an end
    fd3.once("close", () => {
      fd3Closed = true;
      resolve();
    });
  });
  const exited = new Promise<ProtocolChildExit>((resolve) => {
    let settled = false;
    const finish = (exit: ProtocolChildExit) => {
      if (settled) return;
      settled = true;
      fd3?.destroy();
      for (const e of o.reader.end()) o.onEvent?.(e);
      resolve(exit);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      // Also emitted for a failed kill of a running child: only a spawn that never ran ends here.
      if (child.pid === undefined) finish({ exitCode: null, signal: null, spawnError: { code: error.code, message: error.message }, protocolLeftOpen: false });
    });
    child.once("exit", (code, signal) => {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((r) => (timer = setTimeout(r, o.drainGraceMs ?? 1000)));
      void Promise.race([fd3Done, grace]).then(() => {
        clearTimeout(timer);
        finish({ exitCode: code, signal, spawnError: null, protocolLeftOpen: !fd3Closed });
      });
    });
  });
  return { child, pid: child.pid, exited };
}
