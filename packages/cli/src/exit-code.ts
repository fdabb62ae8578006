/** The exit codes of `twostep`, documented in docs/cli.md. */
export const ExitCode = {
  /** Done (or, for a dry run, the change would be allowed; for `check`, no violations). */
  Ok: 0,
  /** Refused as unsafe (blockers listed), a revision conflict, or not confirmed: nothing changed. For `check`: violations. */
  Refused: 1,
  /** Usage error: bad arguments, an invalid request, a bad apply file, `--yes` missing without a terminal; input `check` cannot read. */
  Usage: 2,
  /** The control plane cannot be used: unreachable, not set up (buckets missing, JetStream off), or the credentials may not do this. */
  Unavailable: 3,
  /** An unexpected failure: a bug, please report it with the output. */
  Internal: 4,
} as const;

/** One of the codes in {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
