import type { Codec } from "./codec.js";
import { encodeEnvelopeHead } from "./envelope.js";
import { CannotWriteVersionError, InvalidDefinitionError, InvalidPayloadError, MigrationFailedError, UnknownVersionError, isTwostepError } from "./errors.js";
import type { PreviousVersion, TypeShape, VersionShape } from "./protocol-shape.js";
import { MAX_VARINT } from "./varint.js";

/**
 * One version of a message type: its codec and, above the lowest version the
 * type declares, the migrations to and from the previous version. `Value` and
 * `Input` are this version's decoded and input shapes, `PreviousValue` and
 * `PreviousInput` those of the version before. The migrations are methods, so
 * that an array of definitions of different shapes is still a
 * `VersionDefinition[]`; `defineMessageType` checks each step of a tuple
 * strictly.
 */
export interface VersionDefinition<Value = unknown, Input = Value, PreviousValue = unknown, PreviousInput = PreviousValue> {
  /** Version number: a positive integer, one more than the previous version. */
  readonly version: number;
  /** How values of this version are written and read. */
  readonly codec: Codec<Value, Input>;
  /** Turns a decoded value of the previous version into this version's shape. */
  upgrade?(previous: PreviousValue): Value;
  /** Turns a value of this version into the previous version's shape, for encoding. */
  downgrade?(current: Input): PreviousInput;
  /**
   * Declares that `downgrade(upgrade(previous))` gives back `previous`
   * exactly, so nothing an older writer wrote is lost on the way through this
   * version. The test kit checks the claim. Defaults to false.
   */
  readonly lossless?: boolean;
}

/** What {@link defineMessageType} takes besides the versions. */
export interface MessageTypeHead<N extends string = string> {
  /** Logical name, unique in the protocol, such as `orders.OrderPlaced`. */
  readonly name: N;
  /** Stable numeric id, unique in the protocol and never reused (uint32). */
  readonly id: number;
  /**
   * Lowest version this build still writes. Versions below it are read only
   * (kept to read what is stored or in flight). Defaults to the lowest version.
   */
  readonly minWrite?: number;
}

/** What {@link defineMessageType} takes. */
export interface MessageTypeDefinition<N extends string = string, Vs extends readonly VersionDefinition[] = readonly VersionDefinition[]>
  extends MessageTypeHead<N> {
  /** Contiguous versions in ascending order; the last is the newest shape. */
  readonly versions: Vs;
}

/** An inclusive range of versions. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** The migrations of the step from `Previous` to `Current`, with strictly typed parameters. */
export interface Migrations<Previous extends VersionShape, Current extends VersionShape> {
  readonly upgrade: (previous: Previous["value"]) => Current["value"];
  readonly downgrade: (current: Current["input"]) => Previous["input"];
}

/** The migrations a type shape needs at version `V` (from `V - 1`). */
export type MigrationsAt<S extends TypeShape, V extends keyof S & number> = Migrations<S[PreviousVersion<V>], S[V]>;

declare const shapeKey: unique symbol;

/**
 * A message type: its versions, and migration and payload coding between
 * them. `T` is what {@link MessageType.encode} takes (the newest version's
 * input shape), `S` the shapes of every version, `N` the name.
 */
export class MessageType<T = unknown, S extends TypeShape = TypeShape, N extends string = string> {
  /** The shapes of every version, for the compiler only: never set. */
  declare readonly [shapeKey]?: S;
  /** Logical name, such as `orders.OrderPlaced`. */
  readonly name: N;
  /** Stable numeric type id. */
  readonly id: number;
  /** Versions this build reads. */
  readonly reads: VersionRange;
  /** Versions this build writes. */
  readonly writes: VersionRange;
  readonly #versions: readonly VersionDefinition[];
  readonly #heads: readonly Uint8Array[];

  constructor(definition: MessageTypeDefinition<N>) {
    const { name, id, versions } = definition;
    const subject = `message type ${JSON.stringify(name)}`;
    if (typeof name !== "string" || name.trim() === "") {
      throw new InvalidDefinitionError("message type", "the name is empty", "give it a name such as orders.OrderPlaced");
    }
    if (!Number.isInteger(id) || id < 0 || id > MAX_VARINT) {
      throw new InvalidDefinitionError(subject, `type id ${id} is not an integer from 0 to ${MAX_VARINT}`, "pick an unused id");
    }
    const first = versions[0];
    if (first === undefined) {
      throw new InvalidDefinitionError(subject, "it declares no version", "declare at least one version with its codec");
    }
    versions.forEach((current, index) => {
      const expected = first.version + index;
      if (!Number.isInteger(current.version) || current.version < 1 || current.version > MAX_VARINT) {
        throw new InvalidDefinitionError(subject, `version ${current.version} is not a positive integer`, "number versions 1, 2, 3, ...");
      }
      if (current.version !== expected) {
        throw new InvalidDefinitionError(
          subject,
          `version ${current.version} follows v${expected - 1}: versions must be contiguous and ascending`,
          `declare v${expected} (with its migrations) or renumber`,
        );
      }
      if (index > 0 && (typeof current.upgrade !== "function" || typeof current.downgrade !== "function")) {
        const missing = typeof current.upgrade !== "function" ? "upgrade" : "downgrade";
        throw new InvalidDefinitionError(
          subject,
          `v${current.version} has no ${missing} function`,
          `attach ${missing}() between v${current.version - 1} and v${current.version}; every version above the lowest needs both`,
        );
      }
    });
    const max = first.version + versions.length - 1;
    const minWrite = definition.minWrite ?? first.version;
    if (!Number.isInteger(minWrite) || minWrite < first.version || minWrite > max) {
      throw new InvalidDefinitionError(subject, `minWrite ${minWrite} is not a declared version`, `pick one of v${first.version}..v${max}`);
    }
    this.name = name;
    this.id = id;
    this.reads = { min: first.version, max };
    this.writes = { min: minWrite, max };
    this.#versions = versions;
    this.#heads = versions.map((version) => encodeEnvelopeHead(id, version.version));
  }

  /** The newest version, whose shape application code works with. */
  get latest(): number {
    return this.reads.max;
  }

  /** The definition of `version`, or undefined when this build does not read it. */
  version(version: number): VersionDefinition | undefined {
    return this.#versions[version - this.reads.min];
  }

  /** True when this build can read `version`. */
  canRead(version: number): boolean {
    return Number.isInteger(version) && version >= this.reads.min && version <= this.reads.max;
  }

  /** True when this build can write `version`. */
  canWrite(version: number): boolean {
    return Number.isInteger(version) && version >= this.writes.min && version <= this.writes.max;
  }

  /**
   * Migrates `value` from version `from` up to `to` (default: the newest).
   * Throws {@link MigrationFailedError} when a migration throws or returns
   * nothing.
   */
  upgrade(value: unknown, from: number, to: number = this.latest): unknown {
    let current = value;
    for (let version = from + 1; version <= to; version++) {
      current = this.#migrate(version - 1, version, current);
    }
    return current;
  }

  /** Migrates `value` from version `from` down to `to`; throws like {@link MessageType.upgrade}. */
  downgrade(value: unknown, from: number, to: number): unknown {
    let current = value;
    for (let version = from; version > to; version--) {
      current = this.#migrate(version, version - 1, current);
    }
    return current;
  }

  /**
   * Encodes a value of the newest shape as a complete frame at `version`
   * (default: the newest), downgrading through the chain.
   */
  encode(value: T, version: number = this.latest): Uint8Array {
    if (!this.canWrite(version)) throw new CannotWriteVersionError(this.name, version, this.writes);
    const wire = version === this.latest ? value : this.downgrade(value, this.latest, version);
    return this.encodeWire(wire, version);
  }

  /**
   * Encodes a value that already has `version`'s shape as a complete frame,
   * with no migration: the way to forward a decoded wire value unchanged.
   * Only the read range is checked, since forwarding is not writing anew.
   */
  encodeWire(wire: unknown, version: number): Uint8Array {
    const at = version - this.reads.min;
    const definition = this.#versions[at];
    const head = this.#heads[at];
    if (definition === undefined || head === undefined) throw new CannotWriteVersionError(this.name, version, this.reads);
    try {
      return definition.codec.encode(wire, head);
    } catch (cause) {
      throw this.#invalidPayload(version, cause);
    }
  }

  /**
   * Decodes the payload of `version` that starts at `offset` in `frame`.
   * Throws {@link UnknownVersionError} or {@link InvalidPayloadError}.
   */
  decodePayload(frame: Uint8Array, offset: number, version: number): unknown {
    // The errors are built elsewhere: this runs for every frame, and the engine inlines it only while it is small.
    const definition = this.#versions[version - this.reads.min];
    if (definition === undefined) throw new UnknownVersionError(this.name, version, this.reads);
    try {
      return definition.codec.decode(frame, offset);
    } catch (cause) {
      throw this.#invalidPayload(version, cause);
    }
  }

  #invalidPayload(version: number, cause: unknown): InvalidPayloadError {
    return new InvalidPayloadError(this.name, version, describe(cause), { cause });
  }

  /** One step between adjacent versions; the higher of the two owns the migration. */
  #migrate(from: number, to: number, value: unknown): unknown {
    const migration = to > from ? this.version(to)?.upgrade : this.version(from)?.downgrade;
    let result: unknown;
    try {
      result = migration?.(value);
    } catch (cause) {
      if (isTwostepError(cause)) throw cause;
      throw new MigrationFailedError(this.name, from, to, { cause });
    }
    if (result === undefined || result === null) throw new MigrationFailedError(this.name, from, to);
    return result;
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
