/**
 * The coordinator process of `npm run load`: creates the streams and opens
 * writes (shipments v1, the flag v1, both declared here since no node runs
 * yet), then on the parent's commands changes the flag's level without
 * pause, times `status()`, watches for read-readiness (decommissioning the
 * crashed incarnations that block it once their leases have surely ended),
 * and reports its own CPU and memory. Argument: the JSON of `{ url, prefix }`.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { isTwostepError } from "@twostep/core";
import { Coordinator, FleetErrorCode, type Blocker, type Change, type ChangeAuthor } from "@twostep/fleet";
import { connectNatsControlPlane } from "@twostep/nats";
import { forEachLimited } from "../support/for-each-limited.js";
import { LOAD_FLAG, type LoadCommand, type LoadReport } from "../support/load-messages.js";
import { SHIPMENT } from "../support/shipment-protocol.js";

const config = JSON.parse(process.argv[2] ?? "{}") as { url: string; prefix: string };
const send = (report: LoadReport): void => void process.send?.(report);
const author: ChangeAuthor = { actor: "load-test", reason: "continuous level changes" };

const plane = await connectNatsControlPlane({ servers: config.url, bucketPrefix: config.prefix });
const coordinator = new Coordinator(plane);
// Writes are closed until a level is enabled. No node runs yet to declare the levels: the manifest of the nodes' builds does.
const declared = { [SHIPMENT]: [1, 2], [LOAD_FLAG]: [1] };
await coordinator.enableWrite(SHIPMENT, 1, { actor: "load-test", reason: "the fleet writes shipments v1", declared });
await coordinator.enableWrite(LOAD_FLAG, 1, { ...author, declared });
// A drain window of 0: every level can be retired as soon as writers leave it, so the loop can go on for ever.
await coordinator.change(LOAD_FLAG, { kind: "policy", drainWindowMs: 0 }, author);

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

/**
 * The errors a change may meet under load: a refusal (a member that has not applied the record yet), a race, an outage; and
 * STORE_REGRESSED, which a coordinator reports when a node registers and heartbeats between its read of the log and its read of
 * the heartbeats (the heartbeat of an incarnation its view of the log does not hold yet): counted, and reported as a refusal.
 */
function expected(error: unknown): error is { code: string } {
  return (
    isTwostepError(error, FleetErrorCode.UnsafeChange) ||
    isTwostepError(error, FleetErrorCode.RevisionConflict) ||
    isTwostepError(error, FleetErrorCode.Unreachable) ||
    isTwostepError(error, FleetErrorCode.StoreRegressed)
  );
}

/** One change, timed and reported; a refusal is reported, not thrown. */
async function change(request: string, run: () => Promise<Change>): Promise<boolean> {
  const before = performance.now();
  try {
    const done = await run();
    send({ type: "change", request, changedAt: done.note?.at ?? 0, ms: performance.now() - before, refused: false });
    return true;
  } catch (error) {
    if (!expected(error)) throw error;
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
    // Refused until every member reported (in a heartbeat) that it applied the record: then it moves on all the same.
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

/**
 * Dry-runs the enable until nobody blocks it. A blocker whose incarnation is gone for good (its lease and the clock margin
 * passed since its last heartbeat: `expired`) is decommissioned, as a release manager does after a crash; the others (a new
 * incarnation still starting, one whose lease may still run) are waited for.
 */
async function watchReady(capability: string, level: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const planMs: number[] = [];
  const decommissionMs: number[] = [];
  const refusals: string[] = [];
  let blockersAtStart = -1;
  for (;;) {
    const before = performance.now();
    let blockers: readonly Blocker[];
    try {
      ({ blockers } = await coordinator.change(capability, { kind: "enable-write", level }, author, { dryRun: true }));
    } catch (error) {
      if (!expected(error)) throw error;
      refusals.push(error.code);
      await sleep(250);
      continue;
    } finally {
      planMs.push(performance.now() - before);
    }
    if (blockersAtStart < 0) blockersAtStart = blockers.length;
    if (blockers.length === 0 || Date.now() > deadline) {
      send({ type: "read-ready", at: Date.now(), polls: planMs.length, planMs, blockersAtStart, decommissionMs, refusals, ready: blockers.length === 0 });
      return;
    }
    const blocking = new Set(blockers.map((blocker) => `${blocker.nodeId}@${blocker.incarnation}`));
    const status = await coordinator.status().catch((error: unknown) => {
      if (!expected(error)) throw error;
      return undefined;
    });
    const gone = (status?.members ?? []).filter((member) => member.state === "expired" && blocking.has(`${member.nodeId}@${member.incarnation}`));
    await forEachLimited(gone, 8, async (member) => {
      const started = performance.now();
      try {
        await coordinator.decommission(member.nodeId, { actor: "load-test", reason: "crashed in the redeploy", incarnation: member.incarnation });
        decommissionMs.push(performance.now() - started);
      } catch (error) {
        if (!expected(error)) throw error;
      }
    });
    if (gone.length === 0) await sleep(250);
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
