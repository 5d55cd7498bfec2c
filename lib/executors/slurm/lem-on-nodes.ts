/** How the batch scripts start lem on the nodes: execution.slurm.lem, else this very Node.js and lem. */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { activeSimulation } from "../../gpu/provider.js";
import type { PreflightIssue } from "../../preflight/types.js";

/** The lem command of this installation (dist/cli/main.js beside this module), when it is there. */
export function thisLemMain(): string | null {
  const main = fileURLToPath(new URL("../../cli/main.js", import.meta.url));
  return existsSync(main) ? main : null;
}

export function lemOnNodes(configured: readonly string[] | undefined): { argv: string[] } | { issue: PreflightIssue } {
  if (configured) return { argv: [...configured] };
  const main = thisLemMain();
  if (main === null) {
    return {
      issue: {
        check: "slurm",
        message: "lem cannot tell how to start itself on the nodes: this process does not run lem's built command (dist/cli/main.js).",
        fix: 'Set execution.slurm.lem, e.g. ["lem"] or ["/path/to/node", "/path/to/lem/dist/cli/main.js"], to a lem the nodes can run.',
      },
    };
  }
  return { argv: [process.execPath, main] };
}

/** Global options the nodes need to see the same GPUs: the simulated GPU of this process, if any. */
export function globalArgsOnNodes(): string[] {
  const sim = activeSimulation();
  if (!sim) return [];
  return ["--simulate", existsSync(sim.source) ? sim.source : sim.name];
}
