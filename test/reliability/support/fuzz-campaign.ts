import { performance } from "node:perf_hooks";
import { CoreErrorCode, isTwostepError, type Protocol } from "@twostep/core";
import { FleetNode, MemoryControlPlane, type DeadLetter } from "@twostep/fleet";
import { FrameGenerator } from "./frame-generator.js";

/** How long and how hard a {@link runFuzzCampaign} runs. */
export interface FuzzOptions {
  readonly protocol: Protocol;
  /** Stop after this many frames. */
  readonly frames: number;
  /** Stop after this many seconds, even before `frames`. Defaults to no limit. */
  readonly seconds?: number;
  /** Seed of the frame generator: the same seed gives the same frames. */
  readonly seed: number;
  /** Called with the frame about to be decoded (a watchdog keeps it to name a frame that hangs). */
  readonly beforeDecode?: (frame: Uint8Array) => void;
}

/** A frame that broke a promise of the decoder, in hex, with what went wrong. */
export interface FuzzFinding {
  readonly frame: string;
  readonly problem: string;
}

/** What a campaign found. */
export interface FuzzReport {
  readonly seed: number;
  readonly frames: number;
  readonly elapsedMs: number;
  /** Per outcome (`ok` or an error code) of `protocol.decode`: how many frames. */
  readonly outcomes: Readonly<Record<string, number>>;
  /**
   * The longest single `protocol.decode` and `FleetNode.decode`, in ms, and
   * the frame that took it. A call slower than 1 ms is timed three more
   * times and counts with its fastest: a garbage collection or a compilation
   * that happened to land in it is not the frame's doing, a slow frame is
   * slow every time. `firstMs` is the slowest first timing, before that.
   */
  readonly slowest: { readonly protocolMs: number; readonly nodeMs: number; readonly frame: string; readonly firstMs: number };
  /** Throws that were not core twostep errors (at most the first 20). */
  readonly untyped: readonly FuzzFinding[];
  /** Frames where `FleetNode.decode` disagreed with `protocol.decode`, or its dead letter did (at most the first 20). */
  readonly disagreements: readonly FuzzFinding[];
}

const coreCodes = new Set<string>(Object.values(CoreErrorCode));
const retimeAboveMs = 1;
const maxFindings = 20;

/** `0x87 01 02 ...` as `870102...`. */
export function hex(frame: Uint8Array): string {
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString("hex");
}

/**
 * Pushes generated frames through `protocol.decode` and through the
 * `decode` of a fleet node of that protocol, timing each call. The decoder
 * promises: only core twostep errors, whatever the bytes; the node promises:
 * never a throw, `undefined` exactly when the protocol throws, and a dead
 * letter with the same code.
 */
export function runFuzzCampaign(options: FuzzOptions): FuzzReport {
  const { protocol, seed } = options;
  const generator = new FrameGenerator(protocol, seed);
  const letters: DeadLetter[] = [];
  const node = new FleetNode({
    controlPlane: new MemoryControlPlane(),
    protocol,
    nodeId: "fuzz",
    service: "fuzz",
    build: "fuzz",
    onDeadLetter: (letter) => letters.push(letter),
  });
  const outcomes: Record<string, number> = {};
  const untyped: FuzzFinding[] = [];
  const disagreements: FuzzFinding[] = [];
  let slowest = { protocolMs: 0, nodeMs: 0, frame: "", firstMs: 0 };
  const started = performance.now();
  const deadline = options.seconds === undefined ? Infinity : started + options.seconds * 1000;
  let frames = 0;
  while (frames < options.frames && (frames % 1024 !== 0 || performance.now() < deadline)) {
    const frame = generator.next();
    options.beforeDecode?.(frame);
    const before = performance.now();
    let outcome = "ok";
    try {
      protocol.decode(frame);
    } catch (error) {
      outcome = isTwostepError(error) && coreCodes.has(error.code) ? error.code : "UNTYPED";
      if (outcome === "UNTYPED" && untyped.length < maxFindings) untyped.push({ frame: hex(frame), problem: String(error) });
    }
    const between = performance.now();
    letters.length = 0;
    let decoded: unknown;
    try {
      decoded = node.decode(frame);
    } catch (error) {
      decoded = error;
    }
    const after = performance.now();
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    const problem = disagreement(outcome, decoded, letters);
    if (problem !== undefined && disagreements.length < maxFindings) disagreements.push({ frame: hex(frame), problem });
    const firstMs = Math.max(between - before, after - between);
    if (firstMs > slowest.firstMs) slowest = { ...slowest, firstMs };
    const protocolMs = between - before > retimeAboveMs ? fastest(() => protocol.decode(frame)) : between - before;
    const nodeMs = after - between > retimeAboveMs ? fastest(() => node.decode(frame)) : after - between;
    if (protocolMs > slowest.protocolMs || nodeMs > slowest.nodeMs) {
      slowest = { protocolMs: Math.max(slowest.protocolMs, protocolMs), nodeMs: Math.max(slowest.nodeMs, nodeMs), frame: hex(frame), firstMs: slowest.firstMs };
    }
    frames++;
  }
  return { seed, frames, elapsedMs: performance.now() - started, outcomes, slowest, untyped, disagreements };
}

/** The fastest of three runs of `decode`, in ms; what it throws is already counted. */
function fastest(decode: () => unknown): number {
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const before = performance.now();
    try {
      decode();
    } catch {
      // Counted on the first run.
    }
    best = Math.min(best, performance.now() - before);
  }
  return best;
}

function disagreement(outcome: string, decoded: unknown, letters: readonly DeadLetter[]): string | undefined {
  if (decoded instanceof Error) return `FleetNode.decode threw ${String(decoded)}`;
  if (outcome === "ok") {
    if (decoded === undefined) return `protocol.decode read it, FleetNode.decode dead-lettered it (${letters[0]?.error.code})`;
    return letters.length === 0 ? undefined : `a frame read fine also went to the dead letters`;
  }
  if (decoded !== undefined) return `protocol.decode threw ${outcome}, FleetNode.decode read it`;
  if (letters.length !== 1) return `${letters.length} dead letters for one frame`;
  return outcome === "UNTYPED" || letters[0]?.error.code === outcome ? undefined : `dead letter ${letters[0]?.error.code}, protocol.decode threw ${outcome}`;
}

/** Adds up the reports of campaigns run side by side. */
export function mergeReports(reports: readonly FuzzReport[]): FuzzReport {
  const outcomes: Record<string, number> = {};
  for (const report of reports) for (const [code, count] of Object.entries(report.outcomes)) outcomes[code] = (outcomes[code] ?? 0) + count;
  const worst = reports.reduce(
    (slowest, report) => (report.slowest.protocolMs + report.slowest.nodeMs > slowest.protocolMs + slowest.nodeMs ? report.slowest : slowest),
    {
      protocolMs: 0,
      nodeMs: 0,
      frame: "",
      firstMs: 0,
    },
  );
  const slowest = { ...worst, firstMs: Math.max(0, ...reports.map((report) => report.slowest.firstMs)) };
  return {
    seed: reports[0]?.seed ?? 0,
    frames: reports.reduce((sum, report) => sum + report.frames, 0),
    elapsedMs: Math.max(0, ...reports.map((report) => report.elapsedMs)),
    outcomes,
    slowest,
    untyped: reports.flatMap((report) => report.untyped).slice(0, maxFindings),
    disagreements: reports.flatMap((report) => report.disagreements).slice(0, maxFindings),
  };
}
