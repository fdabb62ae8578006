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
