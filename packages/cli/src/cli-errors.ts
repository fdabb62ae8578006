import { TwostepError } from "@twostep/core";

/** Stable codes of the errors raised by the `twostep` command itself. */
export const CliErrorCode = {
  /** The command line is wrong: a missing argument or flag, a bad number, no `--yes` without a terminal. */
  Usage: "USAGE",
  /** An `apply` file cannot be read, is not JSON, or does not match the format. */
  InvalidApplyFile: "INVALID_APPLY_FILE",
  /** The user answered no at the confirmation prompt; nothing changed. */
  Declined: "DECLINED",
  /** No connection context has the name given (`--context`, `TWOSTEP_CONTEXT`, or the current context). */
  ContextNotFound: "CONTEXT_NOT_FOUND",
  /** A context file cannot be read, is not JSON, does not match its format, or names a file that cannot be read. */
  InvalidContext: "INVALID_CONTEXT",
  /** A context file of a format this twostep does not know: a newer one wrote it. */
  ContextTooNew: "CONTEXT_TOO_NEW",
} as const;

/** One of the codes in {@link CliErrorCode}. */
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

/** The command line is wrong; the message says what to pass instead. */
export class UsageError extends TwostepError {
  constructor(message: string) {
    super(CliErrorCode.Usage, message);
  }
}

/** An `apply` file is unusable; `issues` lists each problem with its path in the file. */
export class ApplyFileError extends TwostepError {
  constructor(
    readonly file: string,
    readonly issues: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      CliErrorCode.InvalidApplyFile,
      `${file} is not a valid twostep apply file:\n${issues.map((issue) => `  - ${issue}`).join("\n")}\n` +
        `fix it (the format is in docs/cli.md, "twostep apply")`,
      options,
    );
  }
}

/** The user declined the confirmation; nothing changed. */
export class DeclinedError extends TwostepError {
  constructor(what: string) {
    super(CliErrorCode.Declined, `not confirmed: ${what} was not done, nothing changed`);
  }
}

/** No connection context has this name; `how` says where the name came from, and the message how to list or add one. */
export class ContextNotFoundError extends TwostepError {
  constructor(
    readonly context: string,
    how?: string,
  ) {
    super(
      CliErrorCode.ContextNotFound,
      `no connection context named ${context}${how === undefined ? "" : ` (${how})`}: twostep context list shows them, twostep context add makes one`,
    );
  }
}

/** A connection context is unusable; the message says what is wrong and how to fix it. Nothing connects through it. */
export class InvalidContextError extends TwostepError {
  constructor(
    readonly context: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(CliErrorCode.InvalidContext, `connection context ${context}: ${problem}`, options);
  }
}

/** A connection context written by a newer twostep, in a format this one does not know. */
export class ContextTooNewError extends TwostepError {
  constructor(
    readonly context: string,
    readonly format: number,
  ) {
    super(
      CliErrorCode.ContextTooNew,
      `connection context ${context} has format ${format}: it was written by a newer twostep: upgrade twostep to use it (or add it again with this one)`,
    );
  }
}
