/** The newest symbol version of each kind (GLIBC, GLIBCXX, CXXABI) a shared object requires. */
import { execa } from "execa";

export type Versions = Record<"GLIBC" | "GLIBCXX" | "CXXABI", string | undefined>;

const compare = (a: string, b: string) => {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

export function newerThan(version: string | undefined, limit: string): boolean {
  return version !== undefined && compare(version, limit) > 0;
}

/** glibc 2.28 (RHEL 8) and GCC 8's libstdc++ (its GLIBCXX and CXXABI versions). */
export const FLOOR = { GLIBC: "2.28", GLIBCXX: "3.4.25", CXXABI: "1.3.11" } as const;

/**
 * From the undefined dynamic symbols (readelf, which reads any architecture's ELF): the newest
 * version of each kind, and every symbol that needs more than FLOOR.
 */
export async function requiredVersions(file: string): Promise<{ newest: Versions; offenders: string[] }> {
  const { stdout } = await execa("readelf", ["-W", "--dyn-syms", file]);
  const newest: Versions = { GLIBC: undefined, GLIBCXX: undefined, CXXABI: undefined };
  const offenders: string[] = [];
  for (const line of stdout.split("\n")) {
    if (!/\sUND\s/.test(line)) continue;
    const m = /\s(\S+)@(GLIBC|GLIBCXX|CXXABI)_([\d.]+)/.exec(line);
    if (!m) continue;
    const kind = m[2] as keyof Versions;
    const v = m[3]!;
    if (!newest[kind] || compare(v, newest[kind]!) > 0) newest[kind] = v;
    if (newerThan(v, FLOOR[kind])) offenders.push(`${m[1]}@${kind}_${v}`);
  }
  return { newest, offenders };
}
