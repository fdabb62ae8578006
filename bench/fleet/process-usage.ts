import { readFileSync } from "node:fs";

/** What a process used so far, from `/proc` (Linux). */
export interface ProcessUsage {
  /** CPU time, user and system, in seconds. */
  readonly cpuSeconds: number;
  /** Resident memory now, in bytes. */
  readonly rssBytes: number;
}

const ticksPerSecond = 100;
const pageBytes = 4096;

/** CPU time and resident memory of process `pid`, from `/proc/<pid>/stat`. */
export function processUsage(pid: number): ProcessUsage {
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 (utime), 15 (stime) and 24 (rss, pages), counted from 1 with the pid and the name.
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  const rssPages = Number(fields[21]);
  return { cpuSeconds: (user + system) / ticksPerSecond, rssBytes: rssPages * pageBytes };
}

/** CPU seconds used by `pids` together over `windowMs` from now (waits for it). */
export async function cpuOver(pids: readonly number[], windowMs: number): Promise<number> {
  const before = pids.map((pid) => processUsage(pid).cpuSeconds);
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  return pids.reduce((sum, pid, index) => sum + processUsage(pid).cpuSeconds - (before[index] ?? 0), 0);
}
