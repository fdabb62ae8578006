/**
 * `npm run bench`: the cost of the twostep SDK over raw protobufjs on
 * orders.OrderPlaced, measured in one run, interleaved. `--json` prints
 * machine-readable output; `--rounds N` changes the number of rounds.
 */
import { downgradeOrderPlaced, loadShopProtocol, upgradeOrderPlaced, type OrderPlacedV2Input } from "@twostep/example-shop";
import { compare, type Comparison, type Operation } from "./measure.js";

interface Case {
  /** What is measured. */
  readonly name: string;
  /**
   * What the subject must reach, as a ratio subject / baseline: 0.9 on the
   * same-version paths; on the migration paths "no more than raw protobufjs
   * plus the migration", less the bench's run-to-run noise of about 5%.
   */
  readonly target: number;
  readonly baseline: { readonly label: string; readonly run: Operation };
  readonly subject: { readonly label: string; readonly run: Operation };
}

const MESSAGES = 256;

const { protocol, root } = loadShopProtocol();
const orders = protocol.type("orders.OrderPlaced");
const V1 = root.lookupType("shop.orders.v1.OrderPlaced");
const V2 = root.lookupType("shop.orders.v2.OrderPlaced");

const values = Array.from({ length: MESSAGES }, (_, index) => order(index));
const v2Payloads = values.map((value) => V2.encode(value).finish());
const v2Frames = values.map((value) => orders.encode(value));
const v1Payloads = values.map((value) => V1.encode(downgradeOrderPlaced(value)).finish());
const v1Frames = values.map((value) => orders.encode(value, 1));

const cases: readonly Case[] = [
  {
    name: "encode v2 (same version)",
    target: 0.9,
    baseline: { label: "V2.encode(msg).finish()", run: (i) => V2.encode(values[i]!).finish() },
    subject: { label: "type.encode(value)", run: (i) => orders.encode(values[i]!) },
  },
  {
    name: "decode v2 (same version)",
    target: 0.9,
    baseline: { label: "V2.decode(bytes)", run: (i) => V2.decode(v2Payloads[i]!) },
    subject: { label: "protocol.decode(frame)", run: (i) => protocol.decode(v2Frames[i]!) },
  },
  {
    name: "decode v1 frame, upgrade to v2",
    target: 0.95,
    baseline: { label: "upgrade(V1.decode(bytes))", run: (i) => upgradeOrderPlaced(V1.decode(v1Payloads[i]!) as never) },
    subject: { label: "protocol.decode(frame)", run: (i) => protocol.decode(v1Frames[i]!) },
  },
  {
    name: "encode v2 value at v1 (downgrade)",
    target: 0.95,
    baseline: { label: "V1.encode(downgrade(msg)).finish()", run: (i) => V1.encode(downgradeOrderPlaced(values[i]!)).finish() },
    subject: { label: "type.encode(value, 1)", run: (i) => orders.encode(values[i]!, 1) },
  },
];

const args = process.argv.slice(2);
const json = args.includes("--json");
const roundsArg = args.indexOf("--rounds");
const rounds = roundsArg === -1 ? 15 : Number(args[roundsArg + 1]);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds takes a positive integer");

checkSameWork();
const results = cases.map((entry) => ({ entry, result: compare(entry.baseline.run, entry.subject.run, MESSAGES, { rounds }) }));

if (json) {
  const output = {
    node: process.version,
    messages: MESSAGES,
    rounds,
    cases: results.map(({ entry, result }) => ({
      name: entry.name,
      baseline: { label: entry.baseline.label, opsPerSecond: Math.round(result.baseline) },
      subject: { label: entry.subject.label, opsPerSecond: Math.round(result.subject) },
      ratio: round(result.ratio),
      target: entry.target,
      met: result.ratio >= entry.target,
    })),
  };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
} else {
  printTable(results);
}

function printTable(rows: readonly { entry: Case; result: Comparison }[]): void {
  const lines = [`twostep bench: orders.OrderPlaced, ${MESSAGES} messages, median of ${rounds} interleaved rounds, node ${process.version}`];
  for (const { entry, result } of rows) {
    const met = result.ratio >= entry.target ? "ok" : "MISSED";
    lines.push(
      "",
      `${entry.name}`,
      `  baseline ${entry.baseline.label.padEnd(36)} ${formatOps(result.baseline)}`,
      `  subject  ${entry.subject.label.padEnd(36)} ${formatOps(result.subject)}`,
      `  ratio    ${`${result.ratio.toFixed(3)}x (target >= ${entry.target.toFixed(2)}x)`.padEnd(36)} ${met}`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** Both sides of a case must do the same work: the same bytes out, the same values in. */
function checkSameWork(): void {
  const sample = values[0]!;
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
  const head = (frame: Uint8Array) => frame.subarray(3);
  if (!same(head(orders.encode(sample)), V2.encode(sample).finish())) throw new Error("encode v2: the SDK payload differs from protobufjs");
  if (!same(head(orders.encode(sample, 1)), V1.encode(downgradeOrderPlaced(sample)).finish())) {
    throw new Error("encode at v1: the SDK payload differs from protobufjs");
  }
  const decoded = protocol.decode(v1Frames[0]!).value;
  if (JSON.stringify(decoded) !== JSON.stringify(upgradeOrderPlaced(V1.decode(v1Payloads[0]!) as never))) {
    throw new Error("decode v1: the SDK value differs from protobufjs plus the upgrade");
  }
}

/** A plausible order, the same for a given index: 1 to 5 lines, an amount in USD. */
function order(index: number): OrderPlacedV2Input {
  const lines = 1 + (index % 5);
  return {
    orderId: `ord-${String(100_000 + index * 7919).padStart(8, "0")}`,
    customerId: `cust-${(index * 104_729) % 50_000}`,
    items: Array.from({ length: lines }, (_, line) => ({ sku: `SKU-${(index * 31 + line * 17) % 10_000}`, quantity: 1 + ((index + line) % 9) })),
    total: { currencyCode: "USD", units: (index * 9973) % 100_000, nanos: (index % 100) * 10_000_000 },
  };
}

function formatOps(opsPerSecond: number): string {
  return `${Math.round(opsPerSecond).toLocaleString("en-US").padStart(12)} ops/s`;
}

function round(ratio: number): number {
  return Math.round(ratio * 1000) / 1000;
}
