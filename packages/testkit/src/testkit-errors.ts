import { TwostepError, isTwostepError } from "@twostep/core";

/** Stable codes of the errors raised by the test kit's arbitraries and rollout checks. */
export const TestkitErrorCode = {
  /** A schema uses a construct the value generators cannot generate from. */
  UnsupportedSchema: "UNSUPPORTED_SCHEMA",
  /** An upgrade/downgrade suite or a split-world run found a failure. */
  RolloutCheckFailed: "ROLLOUT_CHECK_FAILED",
} as const;

/**
 * A schema uses a construct that no value can be generated from (a transform,
 * a refinement, a recursive `z.lazy`, a type JSON cannot carry, ...).
 * `construct` names it and `path` says where it sits in the schema.
 */
export class UnsupportedSchemaError extends TwostepError {
  constructor(
    /** What the schema belongs to: `customers.CustomerUpdated v2`, or `zod schema`. */
    readonly subject: string,
    /** Where in the schema: `$` for the root, `$.items[]` for the elements of `items`. */
    readonly path: string,
    /** The construct, such as `transform` or `string format "url"`. */
    readonly construct: string,
  ) {
    super(
      TestkitErrorCode.UnsupportedSchema,
      `cannot generate values of ${subject}: ${construct} at ${path} is not supported; ` +
        `remove it from the schema, or pass your own arbitrary for this version (the \`arbitraries\` option)`,
    );
  }
}

/** What went wrong, in one word. */
export type RolloutFailureKind =
  /** A receiver could not decode a frame (the decode error is in `error`). */
  | "undecodable"
  /** A frame sent to a node never reached it. */
  | "lost"
  /** A migration declared lossless did not give back what went through it. */
  | "lossy-migration"
  /** A sender could not write a generated value at the level the fleet allows. */
  | "unwritable"
  /** A node the procedure needs refused to start (the join guard's error is in `error`). */
  | "join-refused"
  /** A node on the old build started although the fleet writes what it cannot read. */
  | "join-admitted"
  /** The coordinator refused a change the procedure needs. */
  | "change-refused"
  /** Nodes did not follow a write-level change in time. */
  | "not-followed"
  /** The user's check threw. */
  | "check";

/** One failure found by a rollout check: where, between whom, with which frame. */
export interface RolloutFailure {
  readonly kind: RolloutFailureKind;
  /** The step of the procedure, or the split-world command, during which it happened. */
  readonly step: string;
  /** Node id of the writer, when a frame or a node is involved. */
  readonly sender: string | null;
  readonly senderBuild: string | null;
  /** Node id of the reader, for failures of one delivery. */
  readonly receiver: string | null;
  readonly receiverBuild: string | null;
  /** Message type name and version of the frame or value. */
  readonly type: string | null;
  readonly version: number | null;
  /** The frame, in hex, when there was one. */
  readonly frame: string | null;
  /** The underlying error: the decode error, the join guard's refusal, what the check threw. */
  readonly error: unknown;
  /** One line saying what happened. */
  readonly detail: string;
}

/**
 * A rollout check failed: an upgrade/downgrade suite or a split-world run.
 * Carries the first failure's fields (see {@link RolloutFailure}), how many
 * more were seen in the same step, and the seed that replays the values.
 */
export class RolloutCheckError extends TwostepError implements RolloutFailure {
  /** Failures of the same step after this one. */
  readonly more: number;
  /** Seed of the generated values: pass it back as the `seed` option to replay. */
  readonly seed: number;
  // The first failure's fields: see RolloutFailure.
  readonly kind: RolloutFailureKind;
  readonly step: string;
  readonly sender: string | null;
  readonly senderBuild: string | null;
  readonly receiver: string | null;
  readonly receiverBuild: string | null;
  readonly type: string | null;
  readonly version: number | null;
  readonly frame: string | null;
  readonly error: unknown;
  readonly detail: string;

  constructor(failure: RolloutFailure, context: { readonly more: number; readonly seed: number }) {
    super(TestkitErrorCode.RolloutCheckFailed, describeFailure(failure, context), { cause: failure.error });
    this.more = context.more;
    this.seed = context.seed;
    this.kind = failure.kind;
    this.step = failure.step;
    this.sender = failure.sender;
    this.senderBuild = failure.senderBuild;
    this.receiver = failure.receiver;
    this.receiverBuild = failure.receiverBuild;
    this.type = failure.type;
    this.version = failure.version;
    this.frame = failure.frame;
    this.error = failure.error;
    this.detail = failure.detail;
  }
}

/** One of the codes in {@link TestkitErrorCode}. */
export type TestkitErrorCode = (typeof TestkitErrorCode)[keyof typeof TestkitErrorCode];

const SHOWN_FRAME_CHARS = 512;

function describeFailure(failure: RolloutFailure, context: { readonly more: number; readonly seed: number }): string {
  const lines = [`rollout check failed at step "${failure.step}" (${failure.kind}): ${failure.detail}`];
  if (failure.sender !== null) lines.push(`  sender:   ${failure.sender} (build ${failure.senderBuild ?? "?"})`);
  if (failure.receiver !== null) lines.push(`  receiver: ${failure.receiver} (build ${failure.receiverBuild ?? "?"})`);
  if (failure.type !== null) lines.push(`  type:     ${failure.type}${failure.version === null ? "" : ` v${failure.version}`}`);
  if (failure.frame !== null) {
    const cut = failure.frame.length > SHOWN_FRAME_CHARS;
    lines.push(`  frame:    ${cut ? `${failure.frame.slice(0, SHOWN_FRAME_CHARS)}... (${failure.frame.length / 2} bytes)` : failure.frame}`);
  }
  if (failure.error !== undefined && failure.error !== null) lines.push(`  error:    ${describeError(failure.error)}`);
  if (context.more > 0) lines.push(`  and ${context.more} more failure${context.more === 1 ? "" : "s"} in this step`);
  lines.push(`  replay:   pass { seed: ${context.seed} } to generate the same values`);
  return lines.join("\n");
}

function describeError(error: unknown): string {
  if (isTwostepError(error)) return `${error.code}: ${error.message.replaceAll("\n", "\n            ")}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
