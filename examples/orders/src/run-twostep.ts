import { fileURLToPath } from "node:url";
import { spawnNode } from "./child-process.js";

/** The `twostep` command of this repository, `packages/cli/bin/twostep.js`, found from this package's location. */
export const twostepBin = fileURLToPath(new URL("../../../packages/cli/bin/twostep.js", import.meta.url));

/** What a `twostep` command did. */
export interface TwostepResult {
  /** Its exit code (see docs/cli.md); null when it was killed. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `twostep ARGS` with `node`, in `env` (`TWOSTEP_NATS_URL` and
 * `TWOSTEP_NATS_PREFIX` say which fleet), and collects its output. Kills it
 * when it takes longer than `timeoutMs` (default 20 s).
 */
export async function runTwostep(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<TwostepResult> {
  const child = spawnNode([twostepBin, ...args], env);
  let stdout = "";
  let stderr = "";
  child.process.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.process.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.process.kill("SIGKILL"), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  return { code, stdout, stderr: code === null ? `${stderr}twostep ${args[0] ?? ""} was killed after ${timeoutMs} ms\n` : stderr };
}

/** `args` as a shell would need them typed: words with spaces or quotes in double quotes. */
export function shellWords(args: readonly string[]): string {
  return args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(" ");
}
