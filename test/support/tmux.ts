/**
 * A real terminal for tests: a tmux server on a private socket, one shell per session, read
 * back with capture-pane. Tests poll the screen for text (never fixed sleeps) with a
 * generous deadline, since the machine running them may be slow and shared.
 */
import { execa } from "execa";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv } from "./run-lem.js";

export const PROMPT = "lem-test$ ";

/** Single quotes for sh: the value as one word, whatever it holds. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export class TmuxServer {
  readonly socket = `lem-test-${process.pid}`;
  readonly #rcFile: string;
  #sessions = 0;

  constructor() {
    const dir = mkdtempSync(join(tmpdir(), "lem-tmux-"));
    this.#rcFile = join(dir, "bashrc");
    writeFileSync(this.#rcFile, `PS1=${shellQuote(PROMPT)}\n`);
  }

  /** Runs a tmux command against this server (no user configuration, no outer tmux). */
  async tmux(...args: string[]): Promise<string> {
    const env = cleanEnv();
    delete env.TMUX;
    delete env.TMUX_PANE;
    const r = await execa("tmux", ["-L", this.socket, "-f", "/dev/null", ...args], { env, extendEnv: false });
    return r.stdout;
  }

  /** A new 120x40 terminal running an interactive bash with `env` added, at its prompt. */
  async session(env: Record<string, string>): Promise<TmuxSession> {
    const name = `s${++this.#sessions}`;
    const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    await this.tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", ...envArgs, `bash --noprofile --rcfile ${shellQuote(this.#rcFile)}`);
    const session = new TmuxSession(this, name);
    await session.waitFor((screen) => screen.includes(PROMPT.trimEnd()));
    return session;
  }

  async kill(): Promise<void> {
    await this.tmux("kill-server").catch(() => undefined);
  }
}

export class TmuxSession {
  constructor(
    private readonly server: TmuxServer,
    readonly name: string,
  ) {}

  /** Types a line into the shell and presses Enter. */
  async type(line: string): Promise<void> {
    await this.server.tmux("send-keys", "-t", this.name, "-l", line);
    await this.server.tmux("send-keys", "-t", this.name, "Enter");
  }

  /** Presses keys by tmux name, e.g. "C-c". */
  async keys(...keys: string[]): Promise<void> {
    await this.server.tmux("send-keys", "-t", this.name, ...keys);
  }

  /** The visible screen, wrapped lines joined; with `escapes`, the SGR codes (colours, bold) too. */
  async screen(o: { escapes?: boolean } = {}): Promise<string> {
    return this.server.tmux("capture-pane", "-p", "-J", ...(o.escapes ? ["-e"] : []), "-t", this.name);
  }

  /** Whether the terminal's cursor is shown (tmux's cursor_flag). */
  async cursorVisible(): Promise<boolean> {
    return (await this.server.tmux("display-message", "-p", "-t", this.name, "#{cursor_flag}")).trim() === "1";
  }

  /** Polls the screen until `test` holds; on the deadline, fails showing the last screen. */
  async waitFor(test: RegExp | ((screen: string) => boolean), o: { escapes?: boolean; timeoutMs?: number } = {}): Promise<string> {
    const deadline = Date.now() + (o.timeoutMs ?? 90_000);
    const holds = typeof test === "function" ? test : (s: string) => test.test(s);
    for (;;) {
      const screen = await this.screen(o);
      if (holds(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${String(test)}; last screen:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
}
