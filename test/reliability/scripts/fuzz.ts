/**
 * `npm run fuzz`: a long fuzzing campaign against `protocol.decode` of the
 * shop protocol and `FleetNode.decode`, on one worker thread per core.
 *
 *   npm run fuzz -- [--frames N] [--seconds N] [--seed N] [--workers N] [--json]
 *
 * Defaults: 5,000,000 frames, at most 300 s, a random seed, one worker per
 * core. A watchdog stops a worker whose decode makes no progress for 10 s and
 * prints the frame it hangs on. Prints frames/s and the distribution of
 * outcomes; exits 1 on an untyped error, a disagreement between the two
 * decoders, a frame slower than 50 ms, or a hang. Timing lives here: the
 * fuzz test of the suite (`test/reliability/fuzz.test.ts`) asserts only
 * what holds on a loaded machine too.
 */
import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { loadShopProtocol } from "@twostep/example-shop";
import { parseArgs } from "node:util";
import { hex, mergeReports, runFuzzCampaign, type FuzzReport } from "../support/fuzz-campaign.js";
import { printTable } from "../support/print-table.js";

/** What the main thread hands each worker. */
interface Assignment {
  readonly frames: number;
  readonly seconds: number;
  readonly seed: number;
  /** [frames done, length of the frame being decoded] then its bytes. */
  readonly progress: SharedArrayBuffer;
}

const slowLimitMs = 50;
const stallLimitMs = 10_000;
const frameBytes = 256;

if (isMainThread) await main();
else work(workerData as Assignment);

function work(assignment: Assignment): void {
  const counters = new Int32Array(assignment.progress, 0, 2);
  const bytes = new Uint8Array(assignment.progress, 8, frameBytes);
  const report = runFuzzCampaign({
    protocol: loadShopProtocol().protocol,
    frames: assignment.frames,
    seconds: assignment.seconds,
    seed: assignment.seed,
    beforeDecode: (frame) => {
      const length = Math.min(frame.length, frameBytes);
      bytes.set(frame.subarray(0, length));
      Atomics.store(counters, 1, length);
      Atomics.add(counters, 0, 1);
    },
  });
  parentPort?.postMessage(report);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      frames: { type: "string", default: "5000000" },
      seconds: { type: "string", default: "300" },
      seed: { type: "string" },
      workers: { type: "string", default: String(availableParallelism()) },
      json: { type: "boolean", default: false },
    },
  });
  const frames = wholeNumber("--frames", values.frames);
  const seconds = wholeNumber("--seconds", values.seconds);
  const workers = Math.max(1, wholeNumber("--workers", values.workers));
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : wholeNumber("--seed", values.seed);
  const started = Date.now();
  const runs = Array.from({ length: workers }, (_, index) =>
    runWorker({
      frames: Math.ceil(frames / workers),
      seconds,
      seed: seed + index,
      progress: new SharedArrayBuffer(8 + frameBytes),
    }),
  );
  const outcomes = await Promise.all(runs.map((run) => run.done));
  const reports = outcomes.filter((outcome): outcome is FuzzReport => typeof outcome !== "string");
  const hangs = outcomes.filter((outcome): outcome is string => typeof outcome === "string");
  const report = mergeReports(reports);
  const wallSeconds = (Date.now() - started) / 1000;
  const summary = {
    seed,
    workers,
    frames: report.frames,
    seconds: Number(wallSeconds.toFixed(2)),
    framesPerSecond: Math.round(report.frames / wallSeconds),
    outcomes: report.outcomes,
    slowest: report.slowest,
    untyped: report.untyped,
    disagreements: report.disagreements,
    hangs,
  };
  const failed =
    hangs.length > 0 ||
    report.untyped.length > 0 ||
    report.disagreements.length > 0 ||
    report.slowest.protocolMs >= slowLimitMs ||
    report.slowest.nodeMs >= slowLimitMs;
  if (values.json) console.log(JSON.stringify({ ...summary, ok: !failed }, null, 2));
  else printSummary(summary, failed);
  process.exitCode = failed ? 1 : 0;
}

/** Runs one worker under the watchdog: its report, or the hex of the frame it hung on. */
function runWorker(assignment: Assignment): { done: Promise<FuzzReport | string> } {
  const worker = new Worker(new URL(import.meta.url), { workerData: assignment });
  const counters = new Int32Array(assignment.progress, 0, 2);
  let last = -1;
  let lastChange = Date.now();
  const done = new Promise<FuzzReport | string>((resolve, reject) => {
    const watchdog = setInterval(() => {
      const now = Atomics.load(counters, 0);
      if (now !== last) {
        last = now;
        lastChange = Date.now();
        return;
      }
      if (Date.now() - lastChange < stallLimitMs) return;
      clearInterval(watchdog);
      const frame = new Uint8Array(assignment.progress, 8, Atomics.load(counters, 1)).slice();
      void worker.terminate();
      resolve(`seed ${assignment.seed}: no progress for ${stallLimitMs / 1000} s on frame ${hex(frame)}`);
    }, 1_000);
    worker.once("message", (report: FuzzReport) => {
      clearInterval(watchdog);
      resolve(report);
    });
    worker.once("error", (error) => {
      clearInterval(watchdog);
      reject(error);
    });
  });
  return { done };
}

function printSummary(
  summary: {
    seed: number;
    workers: number;
    frames: number;
    seconds: number;
    framesPerSecond: number;
    outcomes: Readonly<Record<string, number>>;
    slowest: FuzzReport["slowest"];
    untyped: FuzzReport["untyped"];
    disagreements: FuzzReport["disagreements"];
    hangs: readonly string[];
  },
  failed: boolean,
): void {
  console.log(
    `fuzz: ${summary.frames.toLocaleString("en")} frames in ${summary.seconds} s on ${summary.workers} workers: ${summary.framesPerSecond.toLocaleString("en")} frames/s (seed ${summary.seed})`,
  );
  const rows = Object.entries(summary.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, count]) => [outcome, count.toLocaleString("en"), `${((count / summary.frames) * 100).toFixed(2)}%`]);
  printTable(["protocol.decode outcome", "frames", "share"], rows);
  console.log(
    `slowest decode (a call over 1 ms timed again, fastest of 3): protocol ${summary.slowest.protocolMs.toFixed(3)} ms, ` +
      `FleetNode ${summary.slowest.nodeMs.toFixed(3)} ms (limit ${slowLimitMs} ms; slowest first timing ${summary.slowest.firstMs.toFixed(1)} ms), frame ${summary.slowest.frame}`,
  );
  for (const finding of summary.untyped) console.log(`UNTYPED ${finding.frame}: ${finding.problem}`);
  for (const finding of summary.disagreements) console.log(`DISAGREEMENT ${finding.frame}: ${finding.problem}`);
  for (const hang of summary.hangs) console.log(`HANG ${hang}`);
  console.log(failed ? "FAILED" : "ok: only typed errors, the decoders agree, no frame too slow, no hang");
}

function wholeNumber(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`${name} ${text} is not a whole number`);
    process.exit(2);
  }
  return value;
}
