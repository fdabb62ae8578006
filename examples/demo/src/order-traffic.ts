import { type DecodedFrame, decodeEnvelopeHead, isTwostepError } from "@twostep/core";
import type { OrderPlacedV1, OrderPlacedV1Input, OrderPlacedV2, OrderPlacedV2Input } from "@twostep/example-shop";
import type { FleetNode } from "@twostep/fleet";
import Long from "long";
import type { DemoBuild } from "./demo-builds.js";

const TYPE = "orders.OrderPlaced";

/** What the traffic counted so far. */
export interface TrafficCounts {
  sent: number;
  /** Orders a node could not send yet because its writes were still closed (it had not applied a write level): kept by the sender. */
  held: number;
  /** Decoded frames by the version they had on the wire. */
  decoded: Record<number, number>;
  /** Frames that went to a dead-letter hook because of the injected fault. */
  injectedFaults: number;
  /** Frames that went to a dead-letter hook for any other reason: must stay 0. */
  undecodable: number;
  /** Frames decoded to something other than what was sent: must stay 0. */
  mismatched: number;
}

interface Running {
  readonly node: FleetNode;
  readonly build: DemoBuild;
}

/**
 * Orders flowing between every pair of nodes, in process: each round, each
 * running node sends one order (keyed by its order id) to another node's
 * inbox, and each running node reads its inbox. Inboxes belong to node ids,
 * not processes, so frames in flight while a node is being redeployed are
 * read by its next build. Every frame is accounted for.
 */
export class OrderTraffic {
  readonly counts: TrafficCounts = { sent: 0, held: 0, decoded: {}, injectedFaults: 0, undecodable: 0, mismatched: 0 };
  readonly #nodeIds: readonly string[];
  readonly #running = new Map<string, Running>();
  readonly #inboxes = new Map<string, { frame: Uint8Array; orderId: string }[]>();
  readonly #expected = new Map<string, { cents: number; injected: boolean }>();
  #sequence = 0;
  /** The order whose frame is being decoded: the dead-letter hook runs inside `decode`. */
  #delivering: string | undefined;
  #writtenSince: Record<number, number> = {};

  constructor(nodeIds: readonly string[]) {
    this.#nodeIds = nodeIds;
    for (const nodeId of nodeIds) this.#inboxes.set(nodeId, []);
  }

  /** Lets `node` send and receive from now on (it replaces any earlier process of the same id). */
  attach(node: FleetNode, build: DemoBuild): void {
    this.#running.set(node.nodeId, { node, build });
  }

  /** Stops sending from and delivering to `nodeId` until a node is attached again; its inbox waits. */
  detach(nodeId: string): void {
    this.#running.delete(nodeId);
  }

  /** The dead-letter hook of every demo node: counts the frame being delivered as injected or undecodable. */
  deadLetter(): void {
    const orderId = this.#delivering;
    const expected = orderId === undefined ? undefined : this.#expected.get(orderId);
    if (expected?.injected === true) this.counts.injectedFaults++;
    else this.counts.undecodable++;
    if (orderId !== undefined) this.#expected.delete(orderId);
  }

  /** One round: every running node sends an order, then every running node reads its inbox. */
  round(): void {
    for (const { node, build } of this.#running.values()) this.#send(node, build);
    for (const { node } of this.#running.values()) this.#drain(node);
  }

  /** Orders sent and not yet decoded or dead-lettered. */
  unaccounted(): number {
    return this.#expected.size;
  }

  /** Frames still waiting in inboxes. */
  inFlight(): number {
    let count = 0;
    for (const inbox of this.#inboxes.values()) count += inbox.length;
    return count;
  }

  /** Frames written per version since the last call. */
  takeWritten(): Record<number, number> {
    const written = this.#writtenSince;
    this.#writtenSince = {};
    return written;
  }

  #send(node: FleetNode, build: DemoBuild): void {
    const sequence = ++this.#sequence;
    const orderId = `order-${sequence}`;
    const cents = 100 + ((sequence * 7919) % 100_000);
    const common = { orderId, customerId: `customer-${sequence % 97}`, items: [{ sku: `sku-${sequence % 13}`, quantity: 1 + (sequence % 3) }] };
    // Application code works with its own build's newest shape.
    const order: OrderPlacedV1Input | OrderPlacedV2Input =
      node.protocol.type(TYPE).latest === 1
        ? { ...common, amountCents: cents }
        : { ...common, total: { currencyCode: "USD", units: Math.floor(cents / 100), nanos: (cents % 100) * 10_000_000 } };
    let frame: Uint8Array;
    try {
      frame = node.encode<unknown>(TYPE, order, { key: orderId });
    } catch (error) {
      // Writes stay closed until the node applied a write level (a node that just started, before the record reached it): the order waits.
      if (!isTwostepError(error, "CANNOT_WRITE_VERSION")) throw error;
      this.counts.held++;
      return;
    }
    const { version } = decodeEnvelopeHead(frame);
    this.#writtenSince[version] = (this.#writtenSince[version] ?? 0) + 1;
    const injected = version === 2 && build.corruptsOneIn > 0 && sequence % build.corruptsOneIn === 0;
    // The faulty build's bug: it cuts the end off some v2 frames.
    if (injected) frame = frame.subarray(0, frame.length - 3);
    this.#expected.set(orderId, { cents, injected });
    const receivers = this.#nodeIds.filter((id) => id !== node.nodeId);
    const receiver = receivers[sequence % receivers.length] ?? node.nodeId;
    this.#inboxes.get(receiver)?.push({ frame, orderId });
    this.counts.sent++;
  }

  #drain(node: FleetNode): void {
    const inbox = this.#inboxes.get(node.nodeId) ?? [];
    for (const { frame, orderId } of inbox.splice(0)) {
      this.#delivering = orderId;
      const decoded = node.decode(frame);
      this.#delivering = undefined;
      if (decoded !== undefined) this.#check(decoded, orderId);
    }
  }

  #check(decoded: DecodedFrame, orderId: string): void {
    const expected = this.#expected.get(orderId);
    this.#expected.delete(orderId);
    this.counts.decoded[decoded.version] = (this.counts.decoded[decoded.version] ?? 0) + 1;
    // The newest shape of the receiving build: v1 on the old build, v2 on the new ones.
    const value = decoded.value as Partial<OrderPlacedV1 & OrderPlacedV2>;
    const cents =
      value.amountCents !== undefined
        ? Long.fromValue(value.amountCents).toNumber()
        : Long.fromValue(value.total?.units ?? 0).toNumber() * 100 + Math.trunc((value.total?.nanos ?? 0) / 10_000_000);
    const currency = value.amountCents !== undefined ? "USD" : value.total?.currencyCode;
    if (expected === undefined || value.orderId !== orderId || cents !== expected.cents || currency !== "USD") {
      this.counts.mismatched++;
    }
  }
}
