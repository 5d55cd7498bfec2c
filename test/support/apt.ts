/**
 * Installs Debian packages a test needs when they are missing, where this process is root
 * on a Debian machine with apt-get (a fresh CI machine); otherwise says why it cannot.
 * Returns undefined when installed, else the reason.
 */
import { execa } from "execa";

export async function aptInstall(packages: string[]): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "not root";
  if ((await execa("sh", ["-c", "command -v apt-get"], { reject: false })).exitCode !== 0) return "no apt-get";
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  // The package lists may be absent on a fresh machine; a failed install retries after updating.
  const args = ["-o", "DPkg::Lock::Timeout=300", "install", "-y", "-qq", "--no-install-recommends", ...packages];
  let r = await execa("apt-get", args, { env, reject: false, all: true });
  if (r.exitCode !== 0) {
    await execa("apt-get", ["-o", "DPkg::Lock::Timeout=300", "update", "-qq"], { env, reject: false });
    r = await execa("apt-get", args, { env, reject: false, all: true });
  }
  return r.exitCode === 0 ? undefined : `apt-get install ${packages.join(" ")} failed: ${r.all.split("\n").slice(-3).join(" ")}`;
}
