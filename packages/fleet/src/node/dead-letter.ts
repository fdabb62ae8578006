import type { Protocol, TwostepError } from "@twostep/core";
import { UNKNOWN_TYPE } from "./node-metrics.js";

/** A frame that could not be decoded, with the typed error saying why. */
export interface DeadLetter {
  readonly frame: Uint8Array;
  readonly error: TwostepError;
  readonly nodeId: string;
  /** When, ms since the epoch (the node's wall clock). */
  readonly at: number;
}

/** Where a frame that could not be decoded is counted, and the code of its error. */
export interface FailedFrame {
  /** The message type, or {@link UNKNOWN_TYPE}. */
  readonly type: string;
  /** The wire version, or `?`. */
  readonly level: number | "?";
  readonly code: string;
}

/**
 * Where a failed frame is counted: under its type and wire version when
 * this build knows the type, including versions it cannot read (up to 64
 * above what it reads), which is where a ramp's gate looks; under `?`
 * otherwise, so that garbage naming arbitrary types or versions does not
 * grow the counters.
 */
export function failedFrame(protocol: Protocol, error: unknown): FailedFrame {
  const fields = error as { typeName?: unknown; version?: unknown; from?: unknown; code?: unknown };
  const type = typeof fields.typeName === "string" ? protocol.find(fields.typeName) : undefined;
  const version = typeof fields.version === "number" ? fields.version : fields.from;
  const plausible = type !== undefined && typeof version === "number" && Number.isInteger(version) && version >= 0 && version <= type.reads.max + 64;
  return { type: type?.name ?? UNKNOWN_TYPE, level: plausible ? version : "?", code: typeof fields.code === "string" ? fields.code : "UNKNOWN" };
}
