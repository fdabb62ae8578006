import { TwostepError } from "@twostep/core";

/** Stable codes of the errors raised by the `twostep` command itself. */
export const CliErrorCode = {
  /** The command line is wrong: a missing argument or flag, a bad number, no `--yes` without a terminal. */
  Usage: "USAGE",
  /** An `apply` file cannot be read, is not JSON, or does not match the format. */
  InvalidApplyFile: "INVALID_APPLY_FILE",
  /** The user answered no at the confirmation prompt; nothing changed. */
  Declined: "DECLINED",
  /** `apply --manifest` would move writers below what the fleet writes, and `--allow-rollback` was not given. */
  RollbackNotAllowed: "ROLLBACK_NOT_ALLOWED",
  /** `apply --manifest`: the manifest's write target is retired in the fleet. */
  WriteTargetRetired: "WRITE_TARGET_RETIRED",
  /** `apply --manifest`: a rollout plan of the capability is under way, and apply leaves its writers to it. */
  RolloutUnderWay: "ROLLOUT_UNDER_WAY",
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

/** `apply --manifest` holds a capability back before asking the coordinator; the message (without the capability) says what to do. */
export abstract class HeldBackError extends TwostepError {
  constructor(
    code: CliErrorCode,
    readonly capability: string,
    message: string,
  ) {
    super(code, message);
  }
}

/** The manifest's write target is below a level the fleet writes: a rollback, made only with `--allow-rollback`. */
export class RollbackNotAllowedError extends HeldBackError {
  constructor(capability: string, target: number, writes: string) {
    super(
      CliErrorCode.RollbackNotAllowed,
      capability,
      `writeTarget v${target} is below what the fleet writes (${writes}): a rollback, which apply --manifest makes only with --allow-rollback ` +
        `(or roll back on its own: twostep disable-write ${capability} --to ${target})`,
    );
  }
}

/** The manifest's write target is retired in the fleet: builds may have dropped its reader. */
export class WriteTargetRetiredError extends HeldBackError {
  constructor(capability: string, target: number) {
    super(
      CliErrorCode.WriteTargetRetired,
      capability,
      `writeTarget v${target} is retired in the fleet, so builds may have dropped its reader: fix the manifest's writeTarget, ` +
        `or, if v${target} must be written again, enable it on its own (twostep plan ${capability} ${target}, then twostep enable-write)`,
    );
  }
}

/** A rollout plan of the capability is under way: its controller moves the writers, not apply. */
export class RolloutUnderWayError extends HeldBackError {
  constructor(capability: string, target: number, state: string) {
    super(
      CliErrorCode.RolloutUnderWay,
      capability,
      `a rollout plan to v${target} is ${state}, and it moves the writers (twostep rollout status ${capability}): ` +
        "let it finish, or abort it, then apply again",
    );
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
