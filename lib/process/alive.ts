/**
 * Whether a process, or any process of a group, still lives. Zombies do not count: where PID 1
 * does not reap (some containers and micro-VMs), a process that died stays a zombie, yet it
 * holds nothing (no GPU memory, no GPU). kill(pid, 0) alone would call it alive.
 */
import { readdirSync, readFileSync } from "node:fs";

/** State and process group of /proc/PID/stat, or null when there is no such process. */
function procStat(pid: string): { state: string; pgrp: number } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so parse after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "", pgrp: Number(fields[2]) };
}

const dead = (state: string) => state === "Z" || state === "X";

function killProbe(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, owned by someone else
  }
}

/** True while process `pid` exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (!killProbe(pid)) return false;
  const s = procStat(String(pid));
  return s === null ? process.platform !== "linux" : !dead(s.state);
}

/** True while a live (non-zombie) process of group `pgid` exists. */
export function groupAlive(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 0) return false;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return killProbe(-pgid);
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const s = procStat(entry);
    if (s !== null && s.pgrp === pgid && !dead(s.state)) return true;
  }
  return false;
}
