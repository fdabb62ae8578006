import { decodeEnvelopeHead, hexByte, isEnveloped } from "./envelope.js";
import { CorruptFrameError, InvalidDefinitionError, UnknownTypeError } from "./errors.js";
import type { MessageType } from "./message-type.js";

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
export interface ProtocolDefinition {
  /** The message types; names and ids must be unique. */
  readonly types: readonly MessageType<any>[];
  /** How to read frames without an envelope. Defaults to refusing them. */
  readonly legacy?: LegacyReading;
}

/** A frame decoded by {@link Protocol.decode}. */
export interface DecodedFrame<T = unknown> {
  /** The message type of the frame. */
  readonly type: MessageType<T>;
  /** The version on the wire. */
  readonly version: number;
  /** The value upgraded to the newest shape this build knows. */
  readonly value: T;
  /** The value as it was on the wire, at `version`'s shape (unknown fields kept). */
  readonly wire: unknown;
  /** The frame's bytes, to forward unchanged. */
  readonly frame: Uint8Array;
  /** True when the frame had no envelope and was read by the legacy reading. */
  readonly legacy: boolean;
}

/**
 * Defines a protocol: a set of message types and, optionally, how to read
 * bare legacy payloads. Throws {@link InvalidDefinitionError} on duplicate
 * names or ids, or a legacy reading of an unknown type or version.
 */
export function defineProtocol(definition: ProtocolDefinition): Protocol {
  return new Protocol(definition);
}

/** A set of message types that encode and decode twostep frames. */
export class Protocol {
  /** The message types, in declaration order. */
  readonly types: readonly MessageType<any>[];
  /** The legacy reading, if any. */
  readonly legacy: LegacyReading | undefined;
  readonly #byId = new Map<number, MessageType<any>>();
  readonly #byName = new Map<string, MessageType<any>>();
  readonly #legacyType: MessageType<any> | undefined;

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

  /** The type with this name or id; throws {@link UnknownTypeError} if there is none. */
  type<T = unknown>(nameOrId: string | number): MessageType<T> {
    const type = this.find<T>(nameOrId);
    if (type === undefined) throw new UnknownTypeError(nameOrId, [...this.#byId.keys()]);
    return type;
  }

  /** The type with this name or id, or undefined. */
  find<T = unknown>(nameOrId: string | number): MessageType<T> | undefined {
    return typeof nameOrId === "number" ? this.#byId.get(nameOrId) : this.#byName.get(nameOrId);
  }

  /**
   * Decodes a frame: reads the envelope (or applies the legacy reading to a
   * bare payload), decodes the payload at its wire version and upgrades it to
   * the newest shape. Throws only twostep errors, whatever the bytes.
   */
  decode(frame: Uint8Array): DecodedFrame {
    if (!isEnveloped(frame)) return this.#decodeLegacy(frame);
    const { typeId, version, payloadOffset } = decodeEnvelopeHead(frame);
    const type = this.#byId.get(typeId);
    if (type === undefined) throw new UnknownTypeError(typeId, [...this.#byId.keys()]);
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

function decodeFrame(type: MessageType<any>, version: number, frame: Uint8Array, offset: number, legacy: boolean): DecodedFrame {
  const wire = type.decodePayload(frame, offset, version);
  const value = version === type.latest ? wire : type.upgrade(wire, version);
  return { type, version, value, wire, frame, legacy };
}
