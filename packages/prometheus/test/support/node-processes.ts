import { execFile, spawn, type ChildProcessByStdio } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const tsc = fileURLToPath(new URL("../../../../node_modules/typescript/bin/tsc", import.meta.url));
const script = fileURLToPath(new URL("./metrics-node.mjs", import.meta.url));

/** Builds this package and what it references with `tsc -b` (the node processes run `dist`): a no-op when `dist` is current. */
export async function buildPackage(): Promise<void> {
  await promisify(execFile)(process.execPath, [tsc, "-b", packageDir]);
}

/** A node process of `metrics-node.mjs`, serving its metrics at `address`. */
export interface NodeProcess {
  readonly nodeId: string;
  /** `127.0.0.1:PORT` of its metrics. */
  readonly address: string;
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `node metrics-node.mjs NODE_ID FRAMES` and resolves with the
 * address it serves its metrics at, once it prints it. Its standard input
 * stays open: the process ends by itself when this one dies.
 */
export async function startNodeProcess(nodeId: string, frames: number): Promise<NodeProcess> {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(process.execPath, [script, nodeId, String(frames)], {
    env: { ...process.env, TWOSTEP_LOG_LEVEL: "silent" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", (line) => resolve((JSON.parse(line) as { address: string }).address));
    void exited.then(() => reject(new Error(`node process ${nodeId} exited before it served its metrics:\n${stderr}`)));
  });
  return { nodeId, address, stop };
}
