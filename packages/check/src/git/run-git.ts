import { execFile } from "node:child_process";
import { GitError } from "../errors/index.js";

/** How a git command ended. */
export interface GitResult {
  readonly status: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs git in `cwd` and returns its stdout; throws {@link GitError} when it fails. */
export async function git(cwd: string, args: readonly string[], input?: string): Promise<Buffer> {
  return successful(args, await runGit(cwd, args, input));
}

/** The stdout of a git command that succeeded; else throws {@link GitError} with its status and stderr. */
export function successful(args: readonly string[], result: GitResult): Buffer {
  if (result.status === 0) return result.stdout;
  throw new GitError(args, `exit status ${result.status}${result.stderr === "" ? "" : `: ${result.stderr}`}`);
}

/** Runs git in `cwd`, resolving with its exit status; rejects (with {@link GitError}) only when git cannot run at all. */
export function runGit(cwd: string, args: readonly string[], input?: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile("git", args, { cwd, encoding: "buffer", maxBuffer: 1 << 30, windowsHide: true }, (error, stdout, stderr) => {
      const code = error === null ? 0 : (error as NodeJS.ErrnoException).code;
      if (typeof code === "number") {
        resolve({ status: code, stdout, stderr: stderr.toString("utf8").trim() });
        return;
      }
      const reason = code === "ENOENT" ? "git is not installed or not on PATH" : (error?.message ?? String(code));
      reject(new GitError(args, reason, { cause: error }));
    });
    if (input !== undefined) {
      // git may exit before reading everything (a bad repository): its exit status tells why, not the broken pipe.
      child.stdin?.on("error", () => {});
      child.stdin?.end(input);
    }
  });
}
