import type { DecodedFrame, MessageType, Protocol } from "@twostep/core";
import type { FleetNode } from "@twostep/fleet";
import { comparableValue } from "../arbitraries/version-arbitrary.js";
import type { RolloutFailure } from "../testkit-errors.js";
import { valueDifferences } from "./value-differences.js";
import type { ValueSource } from "./value-source.js";

/** A build of the service: the id its nodes advertise and the protocol it was built with. */
export interface Build {
  readonly id: string;
  readonly protocol: Protocol;
}

/** A running node of a simulated fleet. */
export interface SimulatedNode {
  readonly nodeId: string;
  readonly build: string;
  readonly node: FleetNode;
}

/** One frame decoded by one receiver. */
export interface Delivery {
  readonly sender: string;
  readonly senderBuild: string;
  readonly receiver: string;
  readonly receiverBuild: string;
  readonly type: string;
  /** The version on the wire. */
  readonly version: number;
  /** What the sender encoded, in the newest shape of the sender's build. */
  readonly sent: unknown;
  /** What the receiver decoded, upgraded to the newest shape of the receiver's build. */
  readonly value: unknown;
  /** What the receiver decoded, at the wire version's shape. */
  readonly wire: unknown;
}

/** A failure before the step it belongs to is known. */
export type TrafficFailure = Omit<RolloutFailure, "step">;

/** A failure that involves no frame, such as a refused join or change: the fields not given are null. */
export function failureWithoutFrame(
  kind: TrafficFailure["kind"],
  detail: string,
  error: unknown,
  fields: Partial<Pick<TrafficFailure, "sender" | "senderBuild" | "receiver" | "receiverBuild" | "type">> = {},
): TrafficFailure {
  return { kind, detail, error, sender: null, senderBuild: null, receiver: null, receiverBuild: null, type: null, version: null, frame: null, ...fields };
}

interface Participant {
  readonly nodeId: string;
  readonly build: Build;
  readonly node: FleetNode;
}

interface InFlight {
  readonly frame: Uint8Array;
  readonly sender: Participant;
  readonly type: string;
  readonly version: number;
  readonly sent: unknown;
}

/**
 * Messages between the running nodes of a simulated fleet. Each round
 * delivers what the previous round sent, then every node writes one fresh
 * value of each type the fleet writes (one that has a write-level record) at
 * the level its node picks, to every other running node whose build has the
 * type. A value is generated at the level written and upgraded to the
 * sender's newest shape, so it is one that level can carry. Every delivery is
 * checked: the frame must decode, and a migration chain its versions declare
 * lossless must give back what went through it, on both sides.
 */
export class Traffic {
  readonly #values: ValueSource;
  readonly #onFailure: (failure: TrafficFailure) => void;
  readonly #running = new Map<string, Participant>();
  readonly #inFlight = new Map<string, InFlight[]>();
  #deliveries: Delivery[] = [];
  #sequence = 0;
  /** Deliveries queued and consumed: every frame queued for a node must reach it. */
  #queued = 0;
  #consumed = 0;

  constructor(values: ValueSource, onFailure: (failure: TrafficFailure) => void) {
    this.#values = values;
    this.#onFailure = onFailure;
  }

  /** Running nodes, in the order they joined. */
  nodes(): SimulatedNode[] {
    return [...this.#running.values()].map(({ nodeId, build, node }) => ({ nodeId, build: build.id, node }));
  }

  /** Adds a node that joined. */
  add(nodeId: string, build: Build, node: FleetNode): void {
    this.#running.set(nodeId, { nodeId, build, node });
  }

  /** Takes a node out of the traffic after it consumed what is in flight to it, as a node stopping cleanly does. */
  remove(nodeId: string): void {
    const participant = this.#running.get(nodeId);
    if (participant === undefined) return;
    this.#deliverTo(participant);
    this.#running.delete(nodeId);
    this.#inFlight.delete(nodeId);
  }

  /** One round: deliver what is in flight, then send. */
  round(): void {
    this.flush();
    for (const sender of this.#running.values()) {
      for (const type of sender.build.protocol.types) this.#send(sender, type);
    }
  }

  /** Delivers everything in flight now. */
  flush(): void {
    for (const receiver of this.#running.values()) this.#deliverTo(receiver);
  }

  /** Deliveries queued for a node that it has not consumed (yet): 0 after a {@link Traffic.flush}, or a frame was lost. */
  unconsumed(): number {
    return this.#queued - this.#consumed;
  }

  /** The deliveries since the last call. */
  takeDeliveries(): Delivery[] {
    const taken = this.#deliveries;
    this.#deliveries = [];
    return taken;
  }

  #send(sender: Participant, type: MessageType): void {
    if (sender.node.record(type.name) === undefined) return;
    const key = `${sender.nodeId}#${++this.#sequence}`;
    const base = {
      kind: "unwritable" as const,
      sender: sender.nodeId,
      senderBuild: sender.build.id,
      receiver: null,
      receiverBuild: null,
      type: type.name,
      frame: null,
    };
    let level: number | null = null;
    let generated: unknown;
    let sent: unknown;
    let frame: Uint8Array;
    try {
      level = sender.node.writeLevel(type.name, { key });
      generated = this.#values.next(type, level);
      sent = level === type.latest ? generated : type.upgrade(generated, level);
      frame = sender.node.encode(type, sent, { key });
    } catch (error) {
      const what = level === null ? "pick a write level for" : `write a generated value of`;
      this.#onFailure({ ...base, version: level, error, detail: `${sender.nodeId} could not ${what} ${type.name}${level === null ? "" : ` at v${level}`}` });
      return;
    }
    const own = decode(sender.build.protocol, frame);
    if (!own.ok) {
      this.#onFailure({
        ...base,
        kind: "undecodable",
        receiver: sender.nodeId,
        receiverBuild: sender.build.id,
        version: level,
        frame: hex(frame),
        error: own.error,
        detail: `${sender.nodeId} cannot decode its own frame`,
      });
      return;
    }
    const lossy = losslessChain(type, level, type.latest) ? mismatch(type, level, generated, own.decoded.wire) : undefined;
    if (lossy !== undefined) {
      this.#onFailure({
        ...base,
        kind: "lossy-migration",
        version: level,
        frame: hex(frame),
        error: lossy,
        detail: `${sender.nodeId} wrote a generated v${level} value that did not survive its own migrations`,
      });
    }
    const flight: InFlight = { frame, sender, type: type.name, version: level, sent };
    for (const receiver of this.#running.values()) {
      if (receiver === sender || receiver.build.protocol.find(type.name) === undefined) continue;
      let queue = this.#inFlight.get(receiver.nodeId);
      if (queue === undefined) {
        queue = [];
        this.#inFlight.set(receiver.nodeId, queue);
      }
      queue.push(flight);
      this.#queued++;
    }
  }

  #deliverTo(receiver: Participant): void {
    const queue = this.#inFlight.get(receiver.nodeId);
    if (queue === undefined || queue.length === 0) return;
    this.#inFlight.set(receiver.nodeId, []);
    for (const flight of queue) this.#receive(receiver, flight);
  }

  #receive(receiver: Participant, flight: InFlight): void {
    this.#consumed++;
    const base = {
      sender: flight.sender.nodeId,
      senderBuild: flight.sender.build.id,
      receiver: receiver.nodeId,
      receiverBuild: receiver.build.id,
      type: flight.type,
      version: flight.version,
      frame: hex(flight.frame),
    };
    const decoded = receiver.node.decode(flight.frame);
    if (decoded === undefined) {
      // The node sent the error to its dead-letter hook; decoding again gives it back here.
      const again = decode(receiver.build.protocol, flight.frame);
      const error = again.ok ? new Error("the node refused a frame its protocol decodes") : again.error;
      this.#onFailure({ ...base, kind: "undecodable", error, detail: `${receiver.nodeId} could not decode a frame ${flight.sender.nodeId} wrote` });
      return;
    }
    const lossy = readBack(decoded);
    if (lossy !== undefined) {
      this.#onFailure({
        ...base,
        kind: "lossy-migration",
        error: lossy,
        detail: `${receiver.nodeId} read v${decoded.version} into a value that does not downgrade back to what it read`,
      });
    }
    this.#deliveries.push({ ...base, version: decoded.version, sent: flight.sent, value: decoded.value, wire: decoded.wire });
  }
}

/** True when every version above `from` up to `to` declares its migrations lossless (trivially so when `from` is `to`). */
function losslessChain(type: MessageType, from: number, to: number): boolean {
  for (let version = from + 1; version <= to; version++) if (type.version(version)?.lossless !== true) return false;
  return true;
}

/**
 * For a frame read below the reader's newest version through migrations it
 * declares lossless: downgrading the value back must give what was on the
 * wire. Returns what went wrong, or undefined.
 */
function readBack(decoded: DecodedFrame): Error | undefined {
  const { type, version } = decoded;
  if (version >= type.latest || !losslessChain(type, version, type.latest)) return undefined;
  let back: unknown;
  try {
    back = type.downgrade(decoded.value, type.latest, version);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
  return mismatch(type, version, decoded.wire, back);
}

/** An error saying how `got` differs from `want` (wire values at `version`), or undefined when they are equal. */
function mismatch(type: MessageType, version: number, want: unknown, got: unknown): Error | undefined {
  const expected = comparableValue(type, version, want);
  const actual = comparableValue(type, version, got);
  const differences = valueDifferences(expected, actual);
  if (differences.length === 0) return undefined;
  return new Error(`${type.name} v${version} -> v${type.latest} -> v${version}, declared lossless, changed the value: ${differences.join("; ")}`);
}

function decode(protocol: Protocol, frame: Uint8Array): { ok: true; decoded: DecodedFrame } | { ok: false; error: unknown } {
  try {
    return { ok: true, decoded: protocol.decode(frame) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The bytes as lowercase hex, two digits a byte. */
export function hex(frame: Uint8Array): string {
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString("hex");
}
