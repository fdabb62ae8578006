import { TwostepError } from "@twostep/core";

/** Stable codes of the errors raised by the `twostep` command itself. */
export const CliErrorCode = {
  /** The command line is wrong: a missing argument or flag, a bad number, no `--yes` without a terminal. */
  Usage: "USAGE",
  /** An `apply` file cannot be read, is not JSON, or does not match the format. */
  InvalidApplyFile: "INVALID_APPLY_FILE",
  /** The user answered no at the confirmation prompt; nothing changed. */
  Declined: "DECLINED",
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
