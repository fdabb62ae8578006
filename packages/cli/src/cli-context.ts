import type { ControlPlane } from "@twostep/fleet";
import type { ConnectionOptions } from "./connection-options.js";

/** Where a command writes: the process's stdout or stderr, or a buffer in tests. */
export interface OutputStream {
  write(text: string): void;
  /** True on a terminal: colour and in-place redraws are used only then. */
  readonly isTTY: boolean;
  /** Width of the terminal, when known. */
  readonly columns?: number | undefined;
}

/** A view redrawn in place on a terminal (log-update on a real one). */
export interface LiveView {
  /** Replaces what the view shows with `text`. */
  render(text: string): void;
  /** Leaves the last frame on screen and stops redrawing. */
  done(): void;
}

/**
 * Everything a command touches outside its own arguments, so that commands
 * run the same in the `twostep` binary (see `node-context.ts`) and in unit
 * tests on a `MemoryControlPlane`. `connect` is the seam to the control
 * plane's backend.
 */
export interface CliContext {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** True when stdin is a terminal, where a person can answer a confirmation. */
  readonly stdinIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory the command runs in: `check` finds the repository and the manifest from it. */
  readonly cwd: string;
  /** Opens the control plane; the command closes it. Throws `CONTROL_PLANE_UNREACHABLE`, `AUTHENTICATION_FAILED` or `PERMISSION_DENIED` errors. */
  connect(options: ConnectionOptions): Promise<ControlPlane>;
  /** Asks a yes/no question on the terminal; true only for an explicit yes. */
  confirm(question: string): Promise<boolean>;
  /** The actor recorded when `--actor` is not given: `GITHUB_ACTOR`, else git's `user.email`, else user@host (see `defaultActor`). */
  defaultActor(): string;
  /** The coordinator's clock, ms since the epoch: when it records a change (ages are told by the control plane's clock). */
  clock(): number;
  /** Creates a view redrawn in place on `stdout` (only called when it is a terminal). */
  liveView(): Promise<LiveView>;
  /** Aborted when the user interrupts (SIGINT) or the process is asked to stop (SIGTERM): long-running commands (`watch`, `controller`) stop then. */
  readonly signal: AbortSignal;
}
