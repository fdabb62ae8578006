import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";

/** A child process with stdout and stderr piped. */
export type PipedChild = ChildProcessByStdio<null, Readable, Readable>;

/** A `node` child process. */
export interface NodeChild {
  readonly process: PipedChild;
  /** Resolves with the exit code once the child has exited and its output is read (null when a signal ended it). */
  readonly exited: Promise<number | null>;
}

const running = new Set<PipedChild>();
let exitHookInstalled = false;

/**
 * Spawns `node` with `args` (a script and its arguments), stdout and stderr
 * piped. Every child still running when this process exits, however it
 * exits, is killed: a rollout that fails or is interrupted leaves no
 * services behind.
 */
export function spawnNode(args: readonly string[], env: NodeJS.ProcessEnv): NodeChild {
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", killChildren);
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once("close", (code) => {
      running.delete(child);
      resolve(code);
    });
    child.once("error", () => {
      running.delete(child);
      resolve(null);
    });
  });
  return { process: child, exited };
}

/** Kills every child spawned by {@link spawnNode} that still runs (SIGKILL). */
export function killChildren(): void {
  for (const child of running) child.kill("SIGKILL");
}
