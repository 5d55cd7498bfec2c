/**
 * The "Examples:" of `lem --help` and of every `lem <command> --help`, read from the built
 * command as a user would see them, and the one rule for examples that run until stopped.
 */
import { execa } from "execa";
import { cleanEnv, lemBin, repoRoot } from "./run-lem.js";

export interface HelpExample {
  /** The help it comes from: "" for `lem --help`, else the command's name. */
  help: string;
  /** The command line exactly as the help prints it (without its indentation). */
  line: string;
}

/** The text `lem [command] --help` prints. */
export async function readHelp(command: string): Promise<string> {
  const args = command === "" ? ["--help"] : [command, "--help"];
  const r = await execa(process.execPath, [lemBin, ...args], { cwd: repoRoot, env: cleanEnv(), extendEnv: false });
  return r.stdout;
}

/** The indented lines under a heading such as "Examples:", up to the next blank or unindented line. */
export function sectionLines(helpText: string, heading: string): string[] {
  const lines = helpText.split("\n");
  const start = lines.indexOf(heading);
  if (start === -1) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s+\S/.test(line)) break;
    out.push(line.trim());
  }
  return out;
}

/** The command names `lem --help` lists under "Commands:". */
export function commandsOf(mainHelp: string): string[] {
  return sectionLines(mainHelp, "Commands:").map((l) => l.split(/\s+/)[0]!);
}

/** Every example of the main help and of each command's help, in that order. */
export async function allHelpExamples(): Promise<HelpExample[]> {
  const main = await readHelp("");
  const helps = ["", ...commandsOf(main)];
  const texts = await Promise.all(helps.map((help) => (help === "" ? main : readHelp(help))));
  return helps.flatMap((help, i) => sectionLines(texts[i]!, "Examples:").map((line) => ({ help, line })));
}

/** The words of `lem ...` in an example, after any leading VAR=value assignments. */
export function lemArgsOf(line: string): string[] {
  const words = line.split(/\s+/);
  const lem = words.findIndex((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w));
  if (words[lem] !== "lem") throw new Error(`help example does not start with lem: ${line}`);
  return words.slice(lem + 1);
}

/**
 * Whether the example runs until the user stops it. `lem monitor` is the one command that
 * does (its help: "Ctrl-C or --duration ends it (exit code 0)"), so the rule is keyed off the
 * command: a `lem monitor` example without --duration runs until interrupted.
 */
export function runsUntilInterrupted(line: string): boolean {
  const args = lemArgsOf(line);
  return args[0] === "monitor" && !args.some((a) => a === "--duration" || a.startsWith("--duration="));
}
