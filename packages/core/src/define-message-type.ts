import type { Codec } from "./codec.js";
import { MessageType, type MessageTypeDefinition, type MessageTypeHead, type Migrations, type VersionDefinition } from "./message-type.js";
import type { NextVersion, VersionShape } from "./protocol-shape.js";

/** The decoded shape of a codec. */
export type ValueOfCodec<C> = C extends Codec<infer Value, unknown> ? Value : unknown;

/** The input shape of a codec. */
export type InputOfCodec<C> = C extends Codec<unknown, infer Input> ? Input : unknown;

/** Both shapes of a codec. */
export type ShapeOfCodec<C> = VersionShape<ValueOfCodec<C>, InputOfCodec<C>>;

/** The lowest version of a tuple given to {@link defineMessageType}: version `F`, codec `C`. */
export type LowestVersionDefinition<F extends number, C extends Codec> = Omit<VersionDefinition, "version" | "codec"> & {
  readonly version: F;
  readonly codec: C;
};

/**
 * A version above the lowest, of codec `C`, after a version of codec `P`: its
 * migrations are checked against both codecs' shapes, strictly. Versions of
 * untyped codecs (`unknown` shapes) are not checked.
 */
export type NextVersionDefinition<P extends Codec, C extends Codec> = Omit<VersionDefinition, "version" | "codec" | "upgrade" | "downgrade"> & {
  readonly version: number;
  readonly codec: C;
} & StepMigrations<ShapeOfCodec<P>, ShapeOfCodec<C>>;

type StepMigrations<Previous extends VersionShape, Current extends VersionShape> = unknown extends Previous["value"] | Current["value"]
  ? Pick<VersionDefinition, "upgrade" | "downgrade">
  : Migrations<Previous, Current>;

/** The type shape of versions `F`, `F + 1`, ... of codecs `Cs`. */
export type TypeShapeOfCodecs<F extends number, Cs extends readonly Codec[]> = Flat<ShapesFrom<F, Cs>>;

type ShapesFrom<F extends number, Cs extends readonly Codec[]> = Cs extends readonly [infer C, ...infer Rest extends readonly Codec[]]
  ? { readonly [V in F]: ShapeOfCodec<C> } & ShapesFrom<NextVersion<F>, Rest>
  : unknown;

type Flat<T> = { readonly [K in keyof T]: T[K] };

/** The message type of name `N` whose versions `F`, `F + 1`, ... have codecs `Cs`. */
export type MessageTypeOfCodecs<N extends string, F extends number, Cs extends readonly Codec[]> = MessageType<
  Cs extends readonly [...Codec[], infer Last] ? InputOfCodec<Last> : unknown,
  TypeShapeOfCodecs<F, Cs>,
  N
>;

/**
 * Versions given to {@link defineMessageType} in a tuple longer than its
 * overloads spell out, or in an array: a tuple's steps are checked, an
 * array's are not (its versions are not known one by one).
 */
export type VersionsOfCodecs<Cs extends readonly Codec[]> = number extends Cs["length"]
  ? readonly VersionDefinition[]
  : { readonly [K in keyof Cs]: K extends "0" ? LowestVersionDefinition<number, Cs[K]> : NextVersionDefinition<CodecBefore<Cs, K>, Cs[K]> };

type CodecBefore<Cs extends readonly Codec[], K> = K extends keyof [never, ...Cs] ? ([never, ...Cs][K] extends infer C extends Codec ? C : never) : never;

// The versions of one to five steps, spelt out position by position so that each inline migration's parameter is typed.
type Chain1<F extends number, C1 extends Codec> = readonly [LowestVersionDefinition<F, C1>];
type Chain2<F extends number, C1 extends Codec, C2 extends Codec> = readonly [...Chain1<F, C1>, NextVersionDefinition<C1, C2>];
type Chain3<F extends number, C1 extends Codec, C2 extends Codec, C3 extends Codec> = readonly [...Chain2<F, C1, C2>, NextVersionDefinition<C2, C3>];
type Chain4<F extends number, C1 extends Codec, C2 extends Codec, C3 extends Codec, C4 extends Codec> = readonly [
  ...Chain3<F, C1, C2, C3>,
  NextVersionDefinition<C3, C4>,
];
type Chain5<F extends number, C1 extends Codec, C2 extends Codec, C3 extends Codec, C4 extends Codec, C5 extends Codec> = readonly [
  ...Chain4<F, C1, C2, C3, C4>,
  NextVersionDefinition<C4, C5>,
];

/**
 * Defines a message type and checks it: versions must be contiguous, every
 * version above the lowest needs both migrations, and `minWrite` must be a
 * declared version. Throws {@link InvalidDefinitionError} otherwise.
 *
 * Given inline (a tuple), the versions are typed one by one from their
 * codecs: the compiler checks each migration against the shapes of the two
 * versions it joins (an inline migration's parameter is typed for you), and
 * the message type knows every version's shape, the newest being what
 * `encode` takes. Up to five versions keep their literal numbers; longer
 * tuples are still checked step by step. An array of definitions (built at
 * run time) makes an untyped message type.
 */
export function defineMessageType<const N extends string, const F extends number, C1 extends Codec>(
  definition: MessageTypeHead<N> & { readonly versions: Chain1<F, C1> },
): MessageTypeOfCodecs<N, F, [C1]>;
export function defineMessageType<const N extends string, const F extends number, C1 extends Codec, C2 extends Codec>(
  definition: MessageTypeHead<N> & { readonly versions: Chain2<F, C1, C2> },
): MessageTypeOfCodecs<N, F, [C1, C2]>;
export function defineMessageType<const N extends string, const F extends number, C1 extends Codec, C2 extends Codec, C3 extends Codec>(
  definition: MessageTypeHead<N> & { readonly versions: Chain3<F, C1, C2, C3> },
): MessageTypeOfCodecs<N, F, [C1, C2, C3]>;
export function defineMessageType<const N extends string, const F extends number, C1 extends Codec, C2 extends Codec, C3 extends Codec, C4 extends Codec>(
  definition: MessageTypeHead<N> & { readonly versions: Chain4<F, C1, C2, C3, C4> },
): MessageTypeOfCodecs<N, F, [C1, C2, C3, C4]>;
export function defineMessageType<
  const N extends string,
  const F extends number,
  C1 extends Codec,
  C2 extends Codec,
  C3 extends Codec,
  C4 extends Codec,
  C5 extends Codec,
>(definition: MessageTypeHead<N> & { readonly versions: Chain5<F, C1, C2, C3, C4, C5> }): MessageTypeOfCodecs<N, F, [C1, C2, C3, C4, C5]>;
export function defineMessageType<const N extends string, const Cs extends readonly Codec[]>(
  definition: MessageTypeHead<N> & { readonly versions: VersionsOfCodecs<Cs> },
): MessageType<
  number extends Cs["length"] ? unknown : Cs extends readonly [...Codec[], infer Last] ? InputOfCodec<Last> : unknown,
  TypeShapeOfCodecs<number, Cs>,
  N
>;
export function defineMessageType(definition: MessageTypeDefinition): MessageType {
  return new MessageType(definition);
}
