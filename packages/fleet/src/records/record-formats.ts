import { readUtf8, withoutByteOrderMark } from "@twostep/core/internal";
import type { z } from "zod";
import { formatProblem } from "./format-problem.js";

/**
 * One format of twostep's own records: how each kind of record is written
 * as JSON and read back. A newer twostep adds a format; a build reads every
 * format it knows and writes the one the fleet allows (the level of the
 * `twostep.records` capability), so twostep changes its own format read
 * first and write later, as it asks of everyone else.
 */
export interface RecordFormat<Models> {
  /** The format number, written into every record as `format`. */
  readonly version: number;
  /** Turns a model into the JSON of this format (without `format`). */
  encode<K extends keyof Models>(kind: K, model: Models[K]): Record<string, unknown>;
  /** Turns the JSON of this format (without `format`) into a new model, the caller's to change; throws a {@link RecordProblem} when it cannot. */
  decode<K extends keyof Models>(kind: K, json: Record<string, unknown>): Models[K];
}

/** Why a record could not be read, in words, and whether a newer twostep would read it. */
export class RecordProblem extends Error {
  constructor(
    message: string,
    readonly newer = false,
  ) {
    super(message);
  }
}

/** A record read off the store: its model, or why it cannot be read. */
export type Decoded<T> =
  | { readonly ok: true; readonly value: T; readonly format: number }
  | { readonly ok: false; readonly problem: string; readonly newer: boolean };

/** The capability whose level is the record format the fleet writes. */
export const RECORD_FORMAT_CAPABILITY = "twostep.records";

/**
 * The record formats one build of twostep reads and writes: contiguous,
 * from 1. Decoding never throws and never guesses: JSON that is not an
 * object, lacks a format, has one this build does not know or fails its
 * schema is reported as a problem, so that nothing unreadable is taken as
 * absent.
 */
export class RecordFormats<Models> {
  readonly #formats: readonly RecordFormat<Models>[];

  constructor(formats: readonly RecordFormat<Models>[]) {
    formats.forEach((format, index) => {
      if (format.version !== index + 1) throw new Error(`record formats must be 1, 2, ...: found ${format.version} at position ${index + 1}`);
    });
    if (formats.length === 0) throw new Error("at least one record format is needed");
    this.#formats = formats;
  }

  /** The newest format this build reads and can write. */
  get newest(): number {
    return this.#formats.length;
  }

  /** This build with one more format: how a newer twostep (or a test of one) extends it. */
  with(format: RecordFormat<Models>): RecordFormats<Models> {
    return new RecordFormats([...this.#formats, format]);
  }

  /** This build knowing only formats 1 to `newest`: an older twostep, for tests of upgrades. */
  upTo(newest: number): RecordFormats<Models> {
    return new RecordFormats(this.#formats.slice(0, newest));
  }

  /** Encodes `model` as `kind` in `format` (clamped to what this build knows). */
  encode<K extends keyof Models>(kind: K, model: Models[K], format: number): Uint8Array {
    const chosen = this.#formats[Math.min(Math.max(format, 1), this.newest) - 1] as RecordFormat<Models>;
    return utf8.encode(JSON.stringify({ format: chosen.version, ...chosen.encode(kind, model) }));
  }

  /** Decodes a stored record of `kind`. */
  decode<K extends keyof Models>(kind: K, bytes: Uint8Array): Decoded<Models[K]> {
    let json: unknown;
    try {
      // Invalid UTF-8 is refused, never replaced.
      const text = readUtf8(bytes, 0);
      if (text === undefined) throw new TypeError("not UTF-8");
      json = JSON.parse(withoutByteOrderMark(text));
    } catch {
      return { ok: false, problem: bytes.length === 0 ? "the value is empty" : "the value is not JSON text", newer: false };
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) return { ok: false, problem: "the value is not a JSON object", newer: false };
    const { format, ...rest } = json as Record<string, unknown>;
    if (typeof format !== "number" || !Number.isInteger(format) || format < 1) {
      return { ok: false, problem: `it has no record format (format: ${JSON.stringify(format) ?? "missing"})`, newer: false };
    }
    return this.decodeParsed(kind, format, rest);
  }

  /**
   * Decodes a record of `kind` already parsed: `json` is its JSON object
   * without `format`, which is `format` (a whole number from 1).
   */
  decodeParsed<K extends keyof Models>(kind: K, format: number, json: Record<string, unknown>): Decoded<Models[K]> {
    if (format > this.newest) {
      return {
        ok: false,
        problem: `it is in record format ${format}, written by a newer twostep; this build reads formats 1 to ${this.newest}`,
        newer: true,
      };
    }
    try {
      const value = (this.#formats[format - 1] as RecordFormat<Models>).decode(kind, json);
      return { ok: true, value, format };
    } catch (error) {
      if (error instanceof RecordProblem) return { ok: false, problem: error.message, newer: error.newer };
      return { ok: false, problem: `it could not be read (${String(error)})`, newer: false };
    }
  }
}

/** Parses `json` with `schema`, or throws a {@link RecordProblem} saying where it fails. */
export function parseWith<T>(schema: z.ZodType<T>, json: unknown): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new RecordProblem(formatProblem(parsed.error));
  return parsed.data;
}

const utf8 = new TextEncoder();
