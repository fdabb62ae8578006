import type { z } from "zod";

/**
 * The two sides of one version of a message type: what decoding gives (and
 * `upgrade` returns), and what encoding accepts (and `downgrade` returns).
 * Every decoded value is also an input.
 */
export interface VersionShape<Value = unknown, Input = Value> {
  readonly value: Value;
  readonly input: Input;
}

/** A protobuf version, its shapes as `twostep generate` writes them from the .proto file. */
export interface ProtobufVersion<Value = unknown, Input = Value> extends VersionShape<Value, Input> {
  readonly codec: "protobuf";
}

/** A json version checked by the zod schema `S`: its value is `z.infer<S>`, its input `z.input<S>`. */
export interface ZodVersion<S extends z.ZodType = z.ZodType> extends VersionShape<z.infer<S>, z.input<S>> {
  readonly codec: "json";
  readonly schema: S;
}

/** Every version of one message type, by version number: `{ 1: ProtobufVersion<...>, 2: ... }`. */
export type TypeShape = { readonly [version: number]: VersionShape };

/**
 * Every message type of a protocol, by name: what `twostep generate` writes
 * from a manifest. The default, `ProtocolShape` itself, is the untyped
 * protocol of JavaScript users and of protocols built at run time.
 */
export type ProtocolShape = { readonly [name: string]: TypeShape };

/** The version numbers of a type shape. */
export type VersionOf<S extends TypeShape> = keyof S & number;

/** The name of every type of a protocol shape. */
export type TypeNameOf<P extends ProtocolShape> = keyof P & string;

/** The version before `V` (`PreviousVersion<10>` is 9), for literal version numbers; `number` stays `number`. */
export type PreviousVersion<V extends number> = V extends number ? (number extends V ? number : ParsedVersion<Decremented<`${V}`>>) : never;

/** The version after `V` (`NextVersion<9>` is 10), for literal version numbers; `number` stays `number`. */
export type NextVersion<V extends number> = V extends number ? (number extends V ? number : ParsedVersion<Incremented<`${V}`>>) : never;

/** The newest version of a type shape: the one whose successor it does not declare. */
export type NewestVersion<S extends TypeShape> = number extends VersionOf<S> ? number : Exclude<VersionOf<S>, PreviousVersion<VersionOf<S>>>;

/** The lowest version of a type shape: the one whose predecessor it does not declare. */
export type LowestVersion<S extends TypeShape> =
  number extends VersionOf<S> ? number : { [V in VersionOf<S>]: PreviousVersion<V> extends VersionOf<S> ? never : V }[VersionOf<S>];

/** The newest version's decoded shape: what application code reads. */
export type NewestValue<S extends TypeShape> = S[NewestVersion<S>]["value"];

/** The newest version's input shape: what application code encodes. */
export type NewestInput<S extends TypeShape> = S[NewestVersion<S>]["input"];

/** The decoded shape of any version: what can be on the wire. */
export type WireValue<S extends TypeShape> = S[VersionOf<S>]["value"];

// Decrements a decimal numeral, digit by digit from the end: "10" -> "09", "1" -> "0".
type Decremented<S extends string> = S extends `${infer H}0`
  ? `${Decremented<H>}9`
  : S extends `${infer H}1`
    ? `${H}0`
    : S extends `${infer H}2`
      ? `${H}1`
      : S extends `${infer H}3`
        ? `${H}2`
        : S extends `${infer H}4`
          ? `${H}3`
          : S extends `${infer H}5`
            ? `${H}4`
            : S extends `${infer H}6`
              ? `${H}5`
              : S extends `${infer H}7`
                ? `${H}6`
                : S extends `${infer H}8`
                  ? `${H}7`
                  : S extends `${infer H}9`
                    ? `${H}8`
                    : never;

// Increments a decimal numeral, digit by digit from the end: "9" -> "10", "19" -> "20".
type Incremented<S extends string> = S extends `${infer H}9`
  ? `${H extends "" ? "1" : Incremented<H>}0`
  : S extends `${infer H}8`
    ? `${H}9`
    : S extends `${infer H}7`
      ? `${H}8`
      : S extends `${infer H}6`
        ? `${H}7`
        : S extends `${infer H}5`
          ? `${H}6`
          : S extends `${infer H}4`
            ? `${H}5`
            : S extends `${infer H}3`
              ? `${H}4`
              : S extends `${infer H}2`
                ? `${H}3`
                : S extends `${infer H}1`
                  ? `${H}2`
                  : S extends `${infer H}0`
                    ? `${H}1`
                    : never;

type ParsedVersion<S extends string> = S extends `0${infer R extends number}` ? R : S extends `${infer R extends number}` ? R : never;
