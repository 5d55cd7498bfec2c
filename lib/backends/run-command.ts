/**
 * Runs a program as a child (execa, an argument array, never a shell), its standard streams
 * passed through, file descriptor 3 read as the child protocol. Spawns; never samples.
 */
import { execa } from "execa";
import { LemError } from "../errors.js";
import { type ChildEvent, endedChild, type EndedChild, ProtocolReader } from "./protocol.js";

export class CommandStartError extends LemError {
  constructor(message: string) {
    super("LEM_COMMAND_START", message);
  }
}

export interface CommandRun extends EndedChild {
  command: string;
  args: string[];
}

export interface RunCommandOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Called for each protocol event as it arrives. */
  onEvent?: (event: ChildEvent) => void;
  /** Forwarded to the child while it runs (it also gets terminal signals itself). */
  forwardSignals?: NodeJS.Signals[];
  /** Where the child's standard output goes: lem's own (default) or lem's standard error. */
  stdout?: "inherit" | "stderr";
}

/** Runs `command` to its end and returns how it ended, with its protocol events. */
export async function runCommand(command: string, args: string[], o: RunCommandOptions = {}): Promise<CommandRun> {
  const reader = new ProtocolReader();
  const startedNs = process.hrtime.bigint();
  const child = execa(command, args, {
    stdio: ["inherit", o.stdout === "stderr" ? 2 : "inherit", "inherit", "pipe"],
    reject: false,
    ...(o.env ? { env: o.env } : {}),
    ...(o.cwd ? { cwd: o.cwd } : {}),
  });
  const fd3 = child.stdio[3];
  if (fd3 && "setEncoding" in fd3) {
    fd3.setEncoding("utf8");
    fd3.on("data", (chunk: string) => {
      for (const e of reader.push(chunk)) o.onEvent?.(e);
    });
  }
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const s of o.forwardSignals ?? []) process.on(s, forward);
  try {
    const result = await child;
    const endedNs = process.hrtime.bigint();
    for (const e of reader.end()) o.onEvent?.(e);
    if (result.failed && result.exitCode === undefined && !result.signal) {
      const cause = (result as { cause?: unknown }).cause;
      const code = (cause as { code?: string } | undefined)?.code;
      throw new CommandStartError(
        code === "ENOENT"
          ? `cannot run "${command}": no such program on PATH (${process.env.PATH ?? ""}). Check the name or give its full path.`
          : `cannot run "${command}": ${result.shortMessage}`,
      );
    }
    return { command, args, ...endedChild({ startedNs, endedNs }, result, reader) };
  } finally {
    for (const s of o.forwardSignals ?? []) process.off(s, forward);
  }
}
