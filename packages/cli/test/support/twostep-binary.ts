import { execFile, spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const cliDir = fileURLToPath(new URL("../..", import.meta.url));
const tsc = fileURLToPath(new URL("../../../../node_modules/typescript/bin/tsc", import.meta.url));
const bin = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));

/** Builds the CLI (and what it references) with `tsc -b`: a no-op in a tenth of a second when `dist` is current. */
export async function buildCli(): Promise<void> {
  await promisify(execFile)(process.execPath, [tsc, "-b", cliDir]);
}

/** What a run of the built binary printed, and its exit code. */
export interface BinaryRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link twostep}. */
export interface BinaryOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** The working directory. Defaults to this process's. */
  readonly cwd?: string;
  /** Called with stdout as it grows; for live commands such as `watch`. */
  readonly onStdout?: (soFar: string) => void;
}

/** A configuration directory that no test makes: without one of its own, a run finds no connection context (never the user's). */
const NO_CONFIG = join(tmpdir(), `twostep-no-config-${process.pid}`);

/**
 * Runs the built `twostep` binary (`node dist/bin.js`) as a subprocess with
 * stdin a closed pipe (so: not a terminal), no colour, no connection
 * contexts unless `env` gives `XDG_CONFIG_HOME`, and `env` on top of this
 * process's environment.
 */
export function twostep(args: readonly string[], options: BinaryOptions = {}): Promise<BinaryRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env: { ...process.env, NO_COLOR: "1", TWOSTEP_LOG_LEVEL: "silent", XDG_CONFIG_HOME: NO_CONFIG, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}
