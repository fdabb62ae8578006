import {
  CustomerUpdatedV1,
  CustomerUpdatedV2,
  type CustomerUpdatedV2Input,
  downgradeCustomerUpdated,
  downgradeOrderPlaced,
  loadShopProtocol,
  type OrderPlacedV2Input,
  upgradeCustomerUpdated,
  upgradeOrderPlaced,
} from "@twostep/example-shop";
import { Coordinator, type FleetNode, MemoryControlPlane, startNode } from "@twostep/fleet";
import type { Operation } from "./measure.js";

/** One codec path measured against what a hand-written program does for the same result. */
export interface CodecCase {
  /** `Protocol` or `FleetNode`: the API the subject goes through. */
  readonly via: "Protocol" | "FleetNode";
  readonly type: string;
  /** The path: `encode v2`, `encode v2 at v1`, `decode v2`, `decode v1 -> v2`, `decode legacy v1 -> v2`. */
  readonly path: string;
  readonly size: "small" | "medium" | "large";
  /** Bytes of the payload on the wire (without the envelope). */
  readonly bytes: number;
  readonly baseline: { readonly label: string; readonly run: Operation };
  readonly subject: { readonly label: string; readonly run: Operation };
}

/** Inputs per case: enough to keep the engine from specialising on one value, few enough to stay in cache. */
export const INPUTS = 64;

const SIZES = { small: 1, medium: 10, large: 200 } as const;
type Size = keyof typeof SIZES;
type ShopProtocol = ReturnType<typeof loadShopProtocol>["protocol"];

const utf8Loose = new TextDecoder();

/**
 * Every same-version, upgrade and downgrade path of the shop protocol's two
 * types (protobuf `orders.OrderPlaced`, zod `customers.CustomerUpdated`), on
 * a small, a medium and a large message, through `Protocol` and through a
 * `FleetNode` writing by its records, each against raw protobufjs or
 * zod + JSON with the migration called by hand. Both sides of every case
 * are checked to give the same bytes or the same value before anything is
 * timed. The nodes run on in-memory control planes; call `close` after.
 */
export async function codecCases(): Promise<{ cases: CodecCase[]; close: () => Promise<void> }> {
  const { protocol, root } = loadShopProtocol();
  const V1 = root.lookupType("shop.orders.v1.OrderPlaced");
  const V2 = root.lookupType("shop.orders.v2.OrderPlaced");
  const orders = protocol.type("orders.OrderPlaced");
  const customers = protocol.type("customers.CustomerUpdated");
  // One node writes both types at v2, the other at v1 (a fleet not yet moved on).
  const [atNewest, atPrevious] = await Promise.all([nodeWritingAt(protocol, 2), nodeWritingAt(protocol, 1)]);
  const cases: CodecCase[] = [];
  for (const size of Object.keys(SIZES) as Size[]) {
    const values = Array.from({ length: INPUTS }, (_, index) => order(index, SIZES[size]));
    const v2Payloads = values.map((value) => V2.encode(value).finish());
    const v1Payloads = values.map((value) => V1.encode(downgradeOrderPlaced(value)).finish());
    const v2Frames = values.map((value) => orders.encode(value));
    const v1Frames = values.map((value) => orders.encode(value, 1));
    const rawEncode2 = { label: "V2.encode(v).finish()", run: (i: number) => V2.encode(values[i]!).finish() };
    const rawEncode1 = { label: "V1.encode(downgrade(v)).finish()", run: (i: number) => V1.encode(downgradeOrderPlaced(values[i]!)).finish() };
    const rawDecode2 = { label: "V2.decode(bytes)", run: (i: number) => V2.decode(v2Payloads[i]!) };
    const rawDecode1 = { label: "upgrade(V1.decode(bytes))", run: (i: number) => upgradeOrderPlaced(V1.decode(v1Payloads[i]!) as never) };
    const bytes = { v1: v1Payloads[0]!.length, v2: v2Payloads[0]!.length };
    const type = orders.name;
    const at = { type, size };
    cases.push(
      {
        via: "Protocol",
        ...at,
        path: "encode v2",
        bytes: bytes.v2,
        baseline: rawEncode2,
        subject: { label: "type.encode(v)", run: (i) => orders.encode(values[i]!) },
      },
      {
        via: "Protocol",
        ...at,
        path: "encode v2 at v1",
        bytes: bytes.v1,
        baseline: rawEncode1,
        subject: { label: "type.encode(v, 1)", run: (i) => orders.encode(values[i]!, 1) },
      },
      {
        via: "Protocol",
        ...at,
        path: "decode v2",
        bytes: bytes.v2,
        baseline: rawDecode2,
        subject: { label: "protocol.decode(frame)", run: (i) => protocol.decode(v2Frames[i]!) },
      },
      {
        via: "Protocol",
        ...at,
        path: "decode v1 -> v2",
        bytes: bytes.v1,
        baseline: rawDecode1,
        subject: { label: "protocol.decode(frame)", run: (i) => protocol.decode(v1Frames[i]!) },
      },
      {
        via: "Protocol",
        ...at,
        path: "decode legacy v1 -> v2",
        bytes: bytes.v1,
        baseline: rawDecode1,
        subject: { label: "protocol.decode(bare v1)", run: (i) => protocol.decode(v1Payloads[i]!) },
      },
      {
        via: "FleetNode",
        ...at,
        path: "encode v2",
        bytes: bytes.v2,
        baseline: rawEncode2,
        subject: { label: "node.encode(name, v)", run: (i) => atNewest.encode(type, values[i]!) },
      },
      {
        via: "FleetNode",
        ...at,
        path: "encode v2 at v1",
        bytes: bytes.v1,
        baseline: rawEncode1,
        subject: { label: "node.encode(name, v) at v1", run: (i) => atPrevious.encode(type, values[i]!) },
      },
      {
        via: "FleetNode",
        ...at,
        path: "decode v2",
        bytes: bytes.v2,
        baseline: rawDecode2,
        subject: { label: "node.decode(frame)", run: (i) => atNewest.decode(v2Frames[i]!) },
      },
      {
        via: "FleetNode",
        ...at,
        path: "decode v1 -> v2",
        bytes: bytes.v1,
        baseline: rawDecode1,
        subject: { label: "node.decode(frame)", run: (i) => atNewest.decode(v1Frames[i]!) },
      },
      {
        via: "FleetNode",
        ...at,
        path: "decode legacy v1 -> v2",
        bytes: bytes.v1,
        baseline: rawDecode1,
        subject: { label: "node.decode(bare v1)", run: (i) => atNewest.decode(v1Payloads[i]!) },
      },
    );
    checkSame("orders encode v2", orders.encode(values[0]!).subarray(3), V2.encode(values[0]!).finish());
    checkSame("orders encode v1", atPrevious.encode(type, values[0]!).subarray(3), V1.encode(downgradeOrderPlaced(values[0]!)).finish());
    checkSame("orders node encode v2", atNewest.encode(type, values[0]!).subarray(3), V2.encode(values[0]!).finish());
    checkValue("orders decode v1", protocol.decode(v1Frames[0]!).value, rawDecode1.run(0));
    checkValue("orders node decode legacy", atNewest.decode(v1Payloads[0]!)?.value, rawDecode1.run(0));
  }
  for (const size of Object.keys(SIZES) as Size[]) {
    const values = Array.from({ length: INPUTS }, (_, index) => customer(index, SIZES[size]));
    const v2Payloads = values.map((value) => Buffer.from(JSON.stringify(CustomerUpdatedV2.parse(value))));
    const v1Payloads = values.map((value) => Buffer.from(JSON.stringify(CustomerUpdatedV1.parse(downgradeCustomerUpdated(value as CustomerUpdatedV2)))));
    const v2Frames = values.map((value) => customers.encode(value));
    const v1Frames = values.map((value) => customers.encode(value, 1));
    const rawEncode2 = { label: "Buffer.from(JSON(V2.parse(v)))", run: (i: number) => Buffer.from(JSON.stringify(CustomerUpdatedV2.parse(values[i]!))) };
    const rawEncode1 = {
      label: "Buffer.from(JSON(V1.parse(downgrade(v))))",
      run: (i: number) => Buffer.from(JSON.stringify(CustomerUpdatedV1.parse(downgradeCustomerUpdated(values[i] as CustomerUpdatedV2)))),
    };
    const rawDecode2 = {
      label: "V2.parse(JSON.parse(utf8(bytes)))",
      run: (i: number) => CustomerUpdatedV2.parse(JSON.parse(utf8Loose.decode(v2Payloads[i]!))),
    };
    const rawDecode1 = {
      label: "upgrade(V1.parse(JSON.parse(utf8(bytes))))",
      run: (i: number) => upgradeCustomerUpdated(CustomerUpdatedV1.parse(JSON.parse(utf8Loose.decode(v1Payloads[i]!)))),
    };
    const bytes = { v1: v1Payloads[0]!.length, v2: v2Payloads[0]!.length };
    const type = customers.name;
    const at = { type, size };
    cases.push(
      {
        via: "Protocol",
        ...at,
        path: "encode v2",
        bytes: bytes.v2,
        baseline: rawEncode2,
        subject: { label: "type.encode(v)", run: (i) => customers.encode(values[i]!) },
      },
      {
        via: "Protocol",
        ...at,
        path: "encode v2 at v1",
        bytes: bytes.v1,
        baseline: rawEncode1,
        subject: { label: "type.encode(v, 1)", run: (i) => customers.encode(values[i]!, 1) },
      },
      {
        via: "Protocol",
        ...at,
        path: "decode v2",
        bytes: bytes.v2,
        baseline: rawDecode2,
        subject: { label: "protocol.decode(frame)", run: (i) => protocol.decode(v2Frames[i]!) },
      },
      {
        via: "Protocol",
        ...at,
        path: "decode v1 -> v2",
        bytes: bytes.v1,
        baseline: rawDecode1,
        subject: { label: "protocol.decode(frame)", run: (i) => protocol.decode(v1Frames[i]!) },
      },
      {
        via: "FleetNode",
        ...at,
        path: "encode v2",
        bytes: bytes.v2,
        baseline: rawEncode2,
        subject: { label: "node.encode(name, v)", run: (i) => atNewest.encode(type, values[i]!) },
      },
      {
        via: "FleetNode",
        ...at,
        path: "encode v2 at v1",
        bytes: bytes.v1,
        baseline: rawEncode1,
        subject: { label: "node.encode(name, v) at v1", run: (i) => atPrevious.encode(type, values[i]!) },
      },
      {
        via: "FleetNode",
        ...at,
        path: "decode v2",
        bytes: bytes.v2,
        baseline: rawDecode2,
        subject: { label: "node.decode(frame)", run: (i) => atNewest.decode(v2Frames[i]!) },
      },
      {
        via: "FleetNode",
        ...at,
        path: "decode v1 -> v2",
        bytes: bytes.v1,
        baseline: rawDecode1,
        subject: { label: "node.decode(frame)", run: (i) => atNewest.decode(v1Frames[i]!) },
      },
    );
    checkSame("customers encode v2", customers.encode(values[0]!).subarray(3), rawEncode2.run(0));
    checkSame("customers encode v1", atPrevious.encode(type, values[0]!).subarray(3), rawEncode1.run(0));
    checkValue("customers decode v1", protocol.decode(v1Frames[0]!).value, rawDecode1.run(0));
    checkValue("customers node decode v2", atNewest.decode(v2Frames[0]!)?.value, rawDecode2.run(0));
  }
  return { cases, close: async () => void (await Promise.all([atNewest.stop(), atPrevious.stop()])) };
}

/** A node of `protocol` (the same objects as the other cases: the same compiled coders) on its own in-memory control plane, whose records make it write both types at `level`. */
async function nodeWritingAt(protocol: ShopProtocol, level: 1 | 2): Promise<FleetNode<ShopProtocol>> {
  // Heartbeats kept past the node's two-hour lease, which must be below their TTL.
  const plane = new MemoryControlPlane({ beatTtlMs: 7_260_000 });
  const coordinator = new Coordinator(plane);
  const author = { actor: "bench", reason: "codec bench" };
  for (const capability of ["orders.OrderPlaced", "customers.CustomerUpdated"]) {
    for (let step = 1; step <= level; step++) await coordinator.enableWrite(capability, step, { ...author, allowUndeclared: true });
  }
  const node = await startNode({
    controlPlane: plane,
    protocol,
    nodeId: `bench-v${level}`,
    service: "bench",
    build: "bench",
    heartbeatMs: 3_600_000,
    leaseMs: 7_200_000,
  });
  if (node.writeLevel("orders.OrderPlaced") !== level)
    throw new Error(`the bench node writes orders.OrderPlaced at v${node.writeLevel("orders.OrderPlaced")}, not v${level}`);
  return node;
}

/** An order with `lines` lines; ids grow with the size so that a small order is about 35 bytes. */
function order(index: number, lines: number): OrderPlacedV2Input {
  const long = lines > 1;
  return {
    orderId: long ? `ord-${String(100_000 + index * 7919).padStart(8, "0")}` : `o${index}`,
    customerId: long ? `cust-${(index * 104_729) % 50_000}` : `c${index % 10}`,
    items: Array.from({ length: lines }, (_, line) => ({ sku: `SKU-${(index * 31 + line * 17) % 10_000}`, quantity: 1 + ((index + line) % 9) })),
    total: { currencyCode: "USD", units: (index * 9973) % 100_000, nanos: (index % 100) * 10_000_000 },
  };
}

/**
 * A customer with `emails` addresses and a display name as long (v1 keeps
 * one address, so its size follows the name); a non-ASCII letter in every
 * fourth name.
 */
function customer(index: number, emails: number): CustomerUpdatedV2Input {
  const name = index % 4 === 0 ? `Zoë ${index}` : `Customer ${index}`;
  return {
    customerId: `cust-${index}`,
    displayName: emails === 1 ? name : `${name} ${"and family ".repeat(emails * 2)}`.trimEnd(),
    emails: Array.from({ length: emails }, (_, at) => `person${index}.${at}@example.com`),
  };
}

function checkSame(what: string, subject: Uint8Array, baseline: Uint8Array): void {
  if (Buffer.compare(subject, baseline) !== 0) throw new Error(`${what}: the SDK's payload differs from the raw one`);
}

function checkValue(what: string, subject: unknown, baseline: unknown): void {
  if (JSON.stringify(subject) !== JSON.stringify(baseline)) throw new Error(`${what}: the SDK's value differs from the raw one`);
}
