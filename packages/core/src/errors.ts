/**
 * Stable codes of the errors raised by `@twostep/core`. Branch on these, never
 * on message text: a code never changes meaning once released.
 */
export const CoreErrorCode = {
  /** The frame names a type id that this protocol does not define. */
  UnknownType: "UNKNOWN_TYPE",
  /** The frame names a version of a known type that this build cannot read. */
  UnknownVersion: "UNKNOWN_VERSION",
  /** The bytes are not a well-formed envelope (and no legacy reading applies). */
  CorruptFrame: "CORRUPT_FRAME",
  /** The payload does not decode with, or does not satisfy, its version's schema. */
  InvalidPayload: "INVALID_PAYLOAD",
  /** An `upgrade` or `downgrade` function threw or returned nothing. */
  MigrationFailed: "MIGRATION_FAILED",
  /** Encoding was asked at a version this build cannot write. */
  CannotWriteVersion: "CANNOT_WRITE_VERSION",
  /** A message type or protocol definition is inconsistent. */
  InvalidDefinition: "INVALID_DEFINITION",
  /** The protocol manifest is malformed or refers to missing schemas. */
  InvalidManifest: "INVALID_MANIFEST",
} as const;

/** One of the codes in {@link CoreErrorCode}. */
export type CoreErrorCode = (typeof CoreErrorCode)[keyof typeof CoreErrorCode];

const brand = Symbol.for("twostep.error");

/**
 * Base class of every error that twostep raises on purpose. Other packages
 * extend it with codes of their own; {@link isTwostepError} recognises any of
 * them, even across two copies of the package.
 */
export class TwostepError extends Error {
  /** Stable, documented code: see {@link CoreErrorCode} and the packages' own maps. */
  readonly code: string;
  readonly [brand] = true;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True when `error` is a twostep error, optionally of the given code. */
export function isTwostepError(error: unknown, code?: string): error is TwostepError {
  if (typeof error !== "object" || error === null) return false;
  if ((error as { [brand]?: unknown })[brand] !== true) return false;
  return code === undefined || (error as TwostepError).code === code;
}

/** The frame names a type id that this protocol does not define. */
export class UnknownTypeError extends TwostepError {
  constructor(
    readonly type: number | string,
    knownIds: readonly number[],
  ) {
    const what = typeof type === "number" ? `type id ${type}` : `type ${JSON.stringify(type)}`;
    super(
      CoreErrorCode.UnknownType,
      `unknown message ${what} (this protocol defines ids ${formatList(knownIds)}): ` +
        `the sender uses a newer protocol; deploy a build whose manifest declares ${what}`,
    );
  }
}

/** The frame names a version of a known type that this build cannot read. */
export class UnknownVersionError extends TwostepError {
  constructor(
    readonly typeName: string,
    readonly version: number,
    readonly readable: { readonly min: number; readonly max: number },
  ) {
    super(
      CoreErrorCode.UnknownVersion,
      `${typeName} v${version} cannot be read by this build (it reads v${readable.min}..v${readable.max}): ` +
        (version > readable.max
          ? `a writer was enabled before this node got a reader; roll the writer back or upgrade this node`
          : `v${version} was dropped from this build; only retired versions may be dropped, so check the retirement record`),
    );
  }
}

/** The bytes are not a well-formed envelope (and no legacy reading applies). */
export class CorruptFrameError extends TwostepError {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(CoreErrorCode.CorruptFrame, `corrupt frame: ${reason}; the bytes were not written by a twostep encoder, or were damaged in transit`, options);
  }
}

/** The payload does not decode with, or does not satisfy, its version's schema. */
export class InvalidPayloadError extends TwostepError {
  constructor(
    readonly typeName: string,
    readonly version: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      CoreErrorCode.InvalidPayload,
      `${typeName} v${version}: payload does not match its schema: ${reason}; ` +
        `check that the writer's schema for v${version} is wire-compatible with this build's (twostep check)`,
      options,
    );
  }
}

/** An `upgrade` or `downgrade` function threw or returned nothing. */
export class MigrationFailedError extends TwostepError {
  constructor(
    readonly typeName: string,
    readonly from: number,
    readonly to: number,
    options?: { cause?: unknown },
  ) {
    const reason = options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? "returned nothing");
    super(
      CoreErrorCode.MigrationFailed,
      `${typeName}: migration v${from} -> v${to} failed: ${reason}; ` +
        `fix the ${to > from ? "upgrade" : "downgrade"} function of v${Math.max(from, to)}, or write at v${Math.max(from, to)}`,
      options,
    );
  }
}

/** Encoding was asked at a version this build cannot write. */
export class CannotWriteVersionError extends TwostepError {
  /**
   * `version` is the level asked for, or null when nothing may be written at
   * all; `why`, when given, replaces the default advice and says what to do.
   */
  constructor(
    readonly typeName: string,
    readonly version: number | null,
    readonly writable: { readonly min: number; readonly max: number },
    why?: string,
  ) {
    super(
      CoreErrorCode.CannotWriteVersion,
      why !== undefined || version === null
        ? `${typeName}: cannot write: ${why ?? "no level is open for writing (twostep status shows why)"}`
        : `${typeName}: this build cannot write v${version} (it writes v${writable.min}..v${writable.max}); ` +
            (version > writable.max
              ? `deploy a build that declares v${version} before enabling its writer`
              : `v${version} is below this build's lowest writable version; roll the write level forward`),
    );
  }
}

/** A message type or protocol definition is inconsistent. */
export class InvalidDefinitionError extends TwostepError {
  constructor(subject: string, problem: string, fix: string) {
    super(CoreErrorCode.InvalidDefinition, `${subject}: ${problem}; ${fix}`);
  }
}

/** The protocol manifest is malformed or refers to missing schemas. */
export class InvalidManifestError extends TwostepError {
  constructor(
    readonly issues: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      CoreErrorCode.InvalidManifest,
      `invalid protocol manifest:\n${issues.map((issue) => `  - ${issue}`).join("\n")}\nfix the manifest (see docs/manifest.md for its format)`,
      options,
    );
  }
}

function formatList(ids: readonly number[]): string {
  if (ids.length === 0) return "no types";
  const shown = ids.slice(0, 8).join(", ");
  return ids.length > 8 ? `${shown}, ...` : shown;
}
