/**
 * The coordinator process of `npm run load`: creates the buckets, then on
 * the parent's commands changes the flag's level without pause, times
 * `status()`, watches for read-readiness, and reports its own CPU and
 * memory. Argument: the JSON of `{ url, prefix }`.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { isTwostepError } from "@twostep/core";
import { Coordinator, FleetErrorCode, type ChangeAuthor } from "@twostep/fleet";
import { connectNatsControlPlane } from "@twostep/nats";
import { LOAD_FLAG, type LoadCommand, type LoadReport } from "../support/load-messages.js";
import { SHIPMENT } from "../support/shipment-protocol.js";

const config = JSON.parse(process.argv[2] ?? "{}") as { url: string; prefix: string };
const send = (report: LoadReport): void => void process.send?.(report);
const author: ChangeAuthor = { actor: "load-test", reason: "continuous level changes" };

const plane = await connectNatsControlPlane({ servers: config.url, bucketPrefix: config.prefix });
// A drain window of 0: every level can be retired as soon as writers leave it, so the loop can go on for ever.
const coordinator = new Coordinator(plane, { drainWindowMs: 0 });
await coordinator.enableWrite(SHIPMENT, 1, { actor: "load-test", reason: "the fleet writes shipments v1" });
await coordinator.enableWrite(LOAD_FLAG, 1, author);

let running = false;
let loop: Promise<void> = Promise.resolve();
let cpuAtBegin = process.cpuUsage();
let wallAtBegin = performance.now();
let peakRssBytes = 0;
let peakHeapBytes = 0;
const sampler = setInterval(() => {
  const memory = process.memoryUsage();
  peakRssBytes = Math.max(peakRssBytes, memory.rss);
  peakHeapBytes = Math.max(peakHeapBytes, memory.heapUsed);
}, 100);

/** One change, timed and reported; a refusal (a member stale or booting) is reported, not thrown. */
async function change(request: string, run: () => Promise<{ after: { value: { changedAt: number } } | null }>): Promise<boolean> {
  const before = performance.now();
  try {
    const done = await run();
    send({ type: "change", request, changedAt: done.after?.value.changedAt ?? 0, ms: performance.now() - before, refused: false });
    return true;
  } catch (error) {
    const known =
      isTwostepError(error, FleetErrorCode.UnsafeChange) ||
      isTwostepError(error, FleetErrorCode.RevisionConflict) ||
      isTwostepError(error, FleetErrorCode.Unreachable);
    if (!known) throw error;
    send({ type: "change", request: `${request} (${error.code})`, changedAt: 0, ms: performance.now() - before, refused: true });
    await sleep(100);
    return false;
  }
}

/** Ramps to the next level, completes it, retires the one before: each step changes what writers use. */
async function changeLevels(): Promise<void> {
  let level = 1;
  while (running) {
    const next = level + 1;
    if (!(await change(`enable v${next} at 25%`, () => coordinator.enableWrite(LOAD_FLAG, next, { ...author, percent: 25 })))) continue;
    if (!running || !(await change(`enable v${next}`, () => coordinator.enableWrite(LOAD_FLAG, next, author)))) continue;
    if (running) await change(`retire v${level}`, () => coordinator.retire(LOAD_FLAG, level, author));
    level = next;
  }
}

async function timeStatus(runs: number): Promise<void> {
  const ms: number[] = [];
  let members = 0;
  for (let run = 0; run < runs; run++) {
    const before = performance.now();
    members = (await coordinator.status()).memberCount;
    ms.push(performance.now() - before);
  }
  send({ type: "status-times", ms, members });
}

async function watchReady(capability: string, level: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const planMs: number[] = [];
  let blockersAtStart = -1;
  for (;;) {
    const before = performance.now();
    const { blockers } = await coordinator.plan(capability, level);
    planMs.push(performance.now() - before);
    if (blockersAtStart < 0) blockersAtStart = blockers.length;
    if (blockers.length === 0 || Date.now() > deadline) {
      send({ type: "read-ready", at: Date.now(), polls: planMs.length, planMs, blockersAtStart, ready: blockers.length === 0 });
      return;
    }
  }
}

process.on("message", (command: LoadCommand) => {
  switch (command.type) {
    case "begin":
      running = true;
      cpuAtBegin = process.cpuUsage();
      wallAtBegin = performance.now();
      loop = changeLevels();
      break;
    case "measure-status":
      void timeStatus(command.runs);
      break;
    case "watch-ready":
      void watchReady(command.capability, command.level, command.timeoutMs);
      break;
    case "end":
      void end();
      break;
  }
});
process.on("disconnect", () => process.exit(1));

async function end(): Promise<void> {
  running = false;
  await loop.catch(() => {});
  const cpu = process.cpuUsage(cpuAtBegin);
  clearInterval(sampler);
  const usage: LoadReport = { type: "usage", cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - wallAtBegin, peakRssBytes, peakHeapBytes };
  // Exit only once the report is on its way.
  await new Promise((resolve) => process.send?.(usage, resolve));
  await plane.close();
  process.exit(0);
}

send({ type: "ready" });
