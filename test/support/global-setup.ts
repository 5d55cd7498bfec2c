/**
 * Before any test file: what the suite needs beyond Node.js and a build toolchain (see
 * install-test-deps.sh) is installed when missing, where this runs as root on Debian, so that
 * `npm test` passes on a fresh machine. Elsewhere it says once what is missing; the tests that
 * need it then say so themselves.
 */
import { execa } from "execa";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./run-lem.js";

async function has(command: string): Promise<boolean> {
  return (await execa("sh", ["-c", `command -v ${command}`], { reject: false })).exitCode === 0;
}

export default async function setup(): Promise<void> {
  const wanted = ["chromium", "tmux", "aarch64-linux-gnu-g++", "qemu-aarch64"];
  const missing = [];
  for (const command of wanted) if (!(await has(command))) missing.push(command);
  if ((await execa("python3", ["-c", "import ensurepip, venv"], { reject: false })).exitCode !== 0) missing.push("python3-venv");
  if (!existsSync(join(repoRoot, "test", ".artifacts", "arm64-node", "usr", "bin", "node"))) missing.push("arm64 Node.js");
  if (missing.length === 0) return;
  if (process.getuid?.() === 0 && (await has("apt-get"))) {
    const r = await execa(join(repoRoot, "test", "support", "install-test-deps.sh"), { reject: false, all: true });
    if (r.exitCode === 0) return;
    process.stderr.write(`test setup: installing ${missing.join(", ")} failed:\n${r.all}\n`);
    return;
  }
  process.stderr.write(`test setup: missing ${missing.join(", ")}; run test/support/install-test-deps.sh (root, Debian) to install them.\n`);
}
