import { z } from "zod";

/**
 * The type of a record as its zod schema reads it, for code to use: every
 * field readonly, and without the index signature of a loose object (the
 * fields a newer twostep added are kept when a record is written again, but
 * code never reads them). Records of values (`z.record`) keep theirs.
 */
export type Known<T> = T extends string | number | boolean | bigint | symbol | null | undefined | ((...args: never[]) => unknown)
  ? T
  : T extends readonly unknown[]
    ? { readonly [I in keyof T]: Known<T[I]> }
    : T extends object
      ? { readonly [K in keyof T as string extends K ? (unknown extends T[K] ? never : K) : K]: Known<T[K]> }
      : T;

/** The type of what a record schema reads: {@link Known} of its output. */
export type RecordOf<S extends z.ZodType> = Known<z.output<S>>;

/**
 * A string field whose known values are `values`, read as any string: newer
 * twostep builds may add values, which readers show as they are. Typed with
 * the known values, so that editors offer them.
 */
export function openEnum<const T extends string>(values: readonly T[]): z.ZodType<T | (string & {})> {
  return z.string().describe(`one of ${values.join(", ")}, or a value a newer twostep added`);
}
