/**
 * Runs a program as a child (execa, an argument array, never a shell), its standard streams
 * passed through, file descriptor 3 read as the child protocol. Spawns; never samples.
 */
import { LemError } from "../errors.js";
import { type ChildEvent, endedChild, type EndedChild, ProtocolReader } from "./protocol.js";
import { spawnProtocolChild } from "./protocol-stream.js";

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
  // fd 3 is read as it comes (bounded memory), and the wait ends at the command's exit.
  const spawned = spawnProtocolChild({
    command,
    args,
    stdio: ["inherit", o.stdout === "stderr" ? 2 : "inherit", "inherit"],
    env: o.env ? { ...process.env, ...o.env } : process.env,
    ...(o.cwd ? { cwd: o.cwd } : {}),
    detached: false,
    reader,
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
  });
  const forward = (signal: NodeJS.Signals) => spawned.child.kill(signal);
  for (const s of o.forwardSignals ?? []) process.on(s, forward);
  try {
    const exit = await spawned.exited;
    const endedNs = process.hrtime.bigint();
    if (exit.spawnError) {
      throw new CommandStartError(
        exit.spawnError.code === "ENOENT"
          ? `cannot run "${command}": no such program on PATH (${process.env.PATH ?? ""}). Check the name or give its full path.`
          : `cannot run "${command}": ${exit.spawnError.message}`,
      );
    }
    return { command, args, ...endedChild({ startedNs, endedNs }, exit, reader) };
  } finally {
    for (const s of o.forwardSignals ?? []) process.off(s, forward);
  }
}
