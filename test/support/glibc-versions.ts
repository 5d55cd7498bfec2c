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

export async function requiredVersions(file: string): Promise<{ newest: Versions; offenders: string[] }> {
  const { stdout } = await execa("objdump", ["-T", file]);
  const newest: Versions = { GLIBC: undefined, GLIBCXX: undefined, CXXABI: undefined };
  const limits = { GLIBC: "2.28", GLIBCXX: "3.4.25", CXXABI: "1.3.11" } as const;
  const offenders: string[] = [];
  for (const line of stdout.split("\n")) {
    const m = /\((GLIBC|GLIBCXX|CXXABI)_([\d.]+)\)\s+(\S+)/.exec(line);
    if (!m) continue;
    const kind = m[1] as keyof Versions;
    const v = m[2]!;
    if (!newest[kind] || compare(v, newest[kind]!) > 0) newest[kind] = v;
    if (newerThan(v, limits[kind])) offenders.push(`${m[3]}@${kind}_${v}`);
  }
  return { newest, offenders };
}
