import { decodeEnvelopeHead, ENVELOPE_HEADER, hexByte, isEnveloped } from "./envelope.js";
import { CorruptFrameError, InvalidDefinitionError, UnknownTypeError } from "./errors.js";
import type { MessageType } from "./message-type.js";
import type { NewestInput, NewestValue, ProtocolShape, TypeNameOf, TypeShape, VersionOf } from "./protocol-shape.js";

/**
 * How to read a payload that carries no envelope: as `type` at `version`.
 * Declaring it lets a fleet adopt twostep on existing traffic read-first.
 */
export interface LegacyReading {
  /** Name of the message type that bare payloads are. */
  readonly type: string;
  /** Version of that type that bare payloads are. */
  readonly version: number;
}

/** What {@link defineProtocol} takes. */
export interface ProtocolDefinition<Ts extends readonly MessageType[] = readonly MessageType[]> {
  /** The message types; names and ids must be unique. */
  readonly types: Ts;
  /** How to read frames without an envelope. Defaults to refusing them. */
  readonly legacy?: LegacyReading;
}

/**
 * A frame decoded by {@link Protocol.decode}: of type `N` read at version
 * `V`, `Value` the newest shape and `Wire` the shape of version `V`.
 */
export interface DecodedFrame<Value = unknown, Wire = unknown, N extends string = string, V extends number = number> {
  /** The name of the frame's message type: narrows a typed protocol's frames to that type. */
  readonly name: N;
  /** The message type of the frame. */
  readonly type: MessageType<unknown, TypeShape, N>;
  /** The version on the wire: narrows `wire` to that version's shape. */
  readonly version: V;
  /** The value upgraded to the newest shape this build knows. */
  readonly value: Value;
  /** The value as it was on the wire, at `version`'s shape (unknown fields kept). */
  readonly wire: Wire;
  /** The frame's bytes, to forward unchanged. */
  readonly frame: Uint8Array;
  /** True when the frame had no envelope and was read by the legacy reading. */
  readonly legacy: boolean;
}

/** What a protocol of shape `P` decodes: a union by type name, then by version. */
export type DecodedFrameOf<P extends ProtocolShape> = {
  [N in TypeNameOf<P>]: { [V in VersionOf<P[N]>]: DecodedFrame<NewestValue<P[N]>, P[N][V]["value"], N, V> }[VersionOf<P[N]>];
}[TypeNameOf<P>];

/** The message type of name `N` in a protocol of shape `P`. */
export type MessageTypeOf<P extends ProtocolShape, N extends TypeNameOf<P>> = MessageType<NewestInput<P[N]>, P[N], N>;

/** The shape of a protocol built from message types `Ts`. */
export type ProtocolShapeOfTypes<Ts extends readonly MessageType[]> = {
  readonly [M in Ts[number] as M["name"]]: TypeShapeOfMessageType<M>;
};

type TypeShapeOfMessageType<M> = M extends MessageType<unknown, infer S, string> ? S : TypeShape;

/** How a protocol of shape `P` looks types up untyped: by id, and by name (any name when `P` is untyped, only its own otherwise). */
export type UntypedKey<P extends ProtocolShape> = string extends keyof P ? string | number : TypeNameOf<P> | number;

/** The shape `P` a protocol was typed with. */
export type ProtocolShapeOf<X> = X extends Protocol<infer P> ? P : never;

/** The type names of protocol `X` (`string` when it is untyped): what a node's `encode` is keyed by. */
export type ProtocolTypeName<X extends Protocol> = TypeNameOf<ProtocolShapeOf<X>>;

/** What protocol `X` encodes for type `N`: its newest version's input shape. */
export type ProtocolInput<X extends Protocol, N extends ProtocolTypeName<X>> = NewestInput<ProtocolShapeOf<X>[N]>;

/** What protocol `X` decodes: a union by type name and version. */
export type ProtocolFrame<X extends Protocol> = DecodedFrameOf<ProtocolShapeOf<X>>;

/**
 * Defines a protocol: a set of message types and, optionally, how to read
 * bare legacy payloads. Throws {@link InvalidDefinitionError} on duplicate
 * names or ids, or a legacy reading of an unknown type or version. Typed
 * message types (from {@link defineMessageType} with literal names) make a
 * typed protocol.
 */
export function defineProtocol<const Ts extends readonly MessageType[]>(definition: ProtocolDefinition<Ts>): Protocol<ProtocolShapeOfTypes<Ts>> {
  return new Protocol(definition);
}

declare const shapeKey: unique symbol;

/**
 * A set of message types that encode and decode twostep frames. `P` gives
 * each type's versions their shapes (see `twostep generate`): then `encode`
 * takes a type's name and its newest shape, and `decode` returns a union
 * that a check of `name` (and of `version`) narrows. Without `P` everything
 * is `unknown`, as for JavaScript users and protocols built at run time.
 */
export class Protocol<P extends ProtocolShape = ProtocolShape> {
  /** The shapes of every type, for the compiler only: never set. */
  declare readonly [shapeKey]?: P;
  /** The message types, in declaration order. */
  readonly types: readonly MessageType[];
  /** The legacy reading, if any. */
  readonly legacy: LegacyReading | undefined;
  readonly #byId = new Map<number, MessageType>();
  /** The types of ids below 128, by id: the ids of a three-byte head, looked up without hashing. */
  readonly #byShortId: (MessageType | undefined)[] = new Array(128).fill(undefined);
  readonly #byName = new Map<string, MessageType>();
  readonly #legacyType: MessageType | undefined;

  constructor(definition: ProtocolDefinition) {
    for (const type of definition.types) {
      const sameId = this.#byId.get(type.id);
      if (sameId !== undefined) {
        throw new InvalidDefinitionError(
          `message type ${JSON.stringify(type.name)}`,
          `type id ${type.id} is already used by ${JSON.stringify(sameId.name)}`,
          "type ids are never reused: give it an unused id",
        );
      }
      if (this.#byName.has(type.name)) {
        throw new InvalidDefinitionError(
          `message type ${JSON.stringify(type.name)}`,
          "the name is declared twice",
          "declare each type once, with all its versions",
        );
      }
      this.#byId.set(type.id, type);
      this.#byName.set(type.name, type);
      if (type.id < 0x80) this.#byShortId[type.id] = type;
    }
    this.types = [...definition.types];
    this.legacy = definition.legacy;
    if (definition.legacy !== undefined) {
      const { type: name, version } = definition.legacy;
      const type = this.#byName.get(name);
      if (type === undefined || !type.canRead(version)) {
        throw new InvalidDefinitionError(
          "legacy reading",
          `${name} v${version} is not a declared type and version`,
          "name a type and version that this protocol reads",
        );
      }
      this.#legacyType = type;
    }
  }

  /** The type with this name; throws {@link UnknownTypeError} if there is none. */
  type<N extends TypeNameOf<P>>(name: N): MessageTypeOf<P, N>;
  /**
   * The type with this id (or, in an untyped protocol, name), said to encode
   * `T`; throws {@link UnknownTypeError} if there is none. A typed protocol
   * takes only its own names, so that a misspelt one does not compile.
   */
  type<T = unknown>(nameOrId: UntypedKey<P>): MessageType<T>;
  type(nameOrId: string | number): MessageType {
    const type = this.#find(nameOrId);
    // The error is built apart: a node's encode looks its type up here for every frame, inlined while this is small.
    if (type === undefined) throw this.#unknownType(nameOrId);
    return type;
  }

  #unknownType(nameOrId: string | number): UnknownTypeError {
    return new UnknownTypeError(nameOrId, [...this.#byId.keys()]);
  }

  /** The type with this name, or undefined. */
  find<N extends TypeNameOf<P>>(name: N): MessageTypeOf<P, N> | undefined;
  /** The type with this id (or, in an untyped protocol, name), said to encode `T`, or undefined. */
  find<T = unknown>(nameOrId: UntypedKey<P>): MessageType<T> | undefined;
  find(nameOrId: string | number): MessageType | undefined {
    return this.#find(nameOrId);
  }

  #find(nameOrId: string | number): MessageType | undefined {
    return typeof nameOrId === "number" ? this.#byId.get(nameOrId) : this.#byName.get(nameOrId);
  }

  /**
   * Encodes a value of the newest shape of type `name` as a complete frame
   * at `version` (default: the newest), downgrading through the chain. Throws
   * {@link UnknownTypeError}, `CANNOT_WRITE_VERSION`, `INVALID_PAYLOAD` or
   * `MIGRATION_FAILED`. A fleet node's `encode` picks the version for you.
   */
  encode<N extends TypeNameOf<P>>(name: N, value: NewestInput<P[N]>, version?: number): Uint8Array {
    return this.type(name).encode(value, version);
  }

  /**
   * Decodes a frame: reads the envelope (or applies the legacy reading to a
   * bare payload), decodes the payload at its wire version and upgrades it to
   * the newest shape. Throws only twostep errors, whatever the bytes.
   */
  decode(frame: Uint8Array): DecodedFrameOf<P> {
    // The common head [0x87, t, v] with t and v below 128, read in place: most frames take no other path, and no other call.
    const first = frame[0];
    if (first === ENVELOPE_HEADER) {
      const shortTypeId = frame[1];
      const shortVersion = frame[2];
      if (shortTypeId !== undefined && shortTypeId < 0x80 && shortVersion !== undefined && shortVersion < 0x80) {
        const type = this.#byShortId[shortTypeId];
        // The frame's type and version decide its shapes: the compiler cannot follow bytes.
        if (type !== undefined) return decodeFrame(type, shortVersion, frame, 3, false) as unknown as DecodedFrameOf<P>;
      }
    } else if (first !== undefined && this.#legacyType !== undefined) {
      // A bare payload, read by the legacy reading without another call: a fleet adopting twostep reads mostly these.
      return decodeFrame(this.#legacyType, (this.legacy as LegacyReading).version, frame, 0, true) as unknown as DecodedFrameOf<P>;
    }
    return this.#decodeOther(frame) as unknown as DecodedFrameOf<P>;
  }

  /** A frame with a longer head, of an unknown type, corrupt, or bare. */
  #decodeOther(frame: Uint8Array): DecodedFrame {
    if (!isEnveloped(frame)) return this.#decodeLegacy(frame);
    const { typeId, version, payloadOffset } = decodeEnvelopeHead(frame);
    const type = this.#byId.get(typeId);
    if (type === undefined) throw this.#unknownType(typeId);
    return decodeFrame(type, version, frame, payloadOffset, false);
  }

  #decodeLegacy(frame: Uint8Array): DecodedFrame {
    const type = this.#legacyType;
    const legacy = this.legacy;
    if (type === undefined || legacy === undefined) {
      throw new CorruptFrameError(
        frame.length === 0
          ? "empty frame"
          : `first byte 0x${hexByte(frame[0] ?? 0)} is not the envelope header 0x87 ` +
              `and this protocol declares no legacy reading (declare one to read bare payloads)`,
      );
    }
    return decodeFrame(type, legacy.version, frame, 0, true);
  }
}

function decodeFrame(type: MessageType, version: number, frame: Uint8Array, offset: number, legacy: boolean): DecodedFrame {
  const wire = type.decodePayload(frame, offset, version);
  const value = version === type.latest ? wire : type.upgrade(wire, version);
  return { name: type.name, type, version, value, wire, frame, legacy };
}
