import type { ControlPlane } from "@twostep/fleet";

/** Where a command writes: the process's stdout or stderr, or a buffer in tests. */
export interface OutputStream {
  write(text: string): void;
  /** True on a terminal: colour and in-place redraws are used only then. */
  readonly isTTY: boolean;
  /** Width of the terminal, when known. */
  readonly columns?: number | undefined;
}

/** How to reach the control plane: from `--nats`/`TWOSTEP_NATS_URL`, `--creds`/`TWOSTEP_NATS_CREDS` and their siblings. */
export interface ConnectionOptions {
  /** Server URLs (`--nats` takes them comma-separated). */
  readonly servers: readonly string[];
  /** Path of a NATS credentials file. */
  readonly creds?: string;
  readonly user?: string;
  readonly pass?: string;
  /** Prefix of the control plane's buckets and stream (one NATS server can hold several fleets). Defaults to `twostep`. */
  readonly bucketPrefix?: string;
  /**
   * Create the control plane's buckets when missing: true for commands that
   * change the fleet (release-manager credentials), false for reads, which
   * must work with read-only credentials.
   */
  readonly create: boolean;
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
 * tests on a `MemoryControlPlane`.
 */
export interface CliContext {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** True when stdin is a terminal, where a person can answer a confirmation. */
  readonly stdinIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory the command runs in: `check` finds the repository and the manifest from it. */
  readonly cwd: string;
  /** Opens the control plane; the command closes it. Throws `CONTROL_PLANE_UNREACHABLE` or `PERMISSION_DENIED` errors. */
  connect(options: ConnectionOptions): Promise<ControlPlane>;
  /** Asks a yes/no question on the terminal; true only for an explicit yes. */
  confirm(question: string): Promise<boolean>;
  /** The actor recorded when `--actor` is not given: `GITHUB_ACTOR`, else git's `user.email`, else user@host (see `defaultActor`). */
  defaultActor(): string;
  /** Creates a view redrawn in place on `stdout` (only called when it is a terminal). */
  liveView(): Promise<LiveView>;
  /** Aborted when the user interrupts (SIGINT): long-running commands such as `watch` stop then. */
  readonly signal: AbortSignal;
}
