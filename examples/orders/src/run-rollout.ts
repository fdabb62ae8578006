import { setTimeout as sleep } from "node:timers/promises";
import type { AuditEntry } from "@twostep/fleet";
import { killChildren } from "./child-process.js";
import { ORDER_PLACED } from "./order-builds.js";
import { runTwostep, shellWords, type TwostepResult } from "./run-twostep.js";
import { ServiceProcess, type ServiceProcessOptions, type ServiceStats, type VersionCounts } from "./service-process.js";
import { countsSince, formatCounts, shareOf, sumCounts, totalCount } from "./version-counts.js";

/** Options of {@link runRollout}. */
export interface RolloutOptions {
  /** The NATS server of the fleet, with JetStream on. */
  readonly natsUrl: string;
  /** Bucket prefix of the fleet. Defaults to `orders-` and the time in base 36: every run its own fleet. */
  readonly prefix?: string;
  /** Where the tutorial's lines go. Defaults to stdout. */
  readonly write?: (line: string) => void;
  /** Where the services' own logs go. Defaults to stderr. */
  readonly log?: (line: string) => void;
  /** How long traffic is watched after each change of the writer. Defaults to 2 s. */
  readonly windowMs?: number;
  /** The whole rollout is stopped (its processes killed) after this long. Defaults to 55 s. */
  readonly timeoutMs?: number;
}

/** What {@link runRollout} ends with. */
export interface RolloutSummary {
  /** True when every step went as expected, no order was lost and none was a dead letter. */
  readonly ok: boolean;
  readonly problems: readonly string[];
  /** Orders the producer wrote, by version. */
  readonly written: VersionCounts;
  /** Orders the consumers decoded, by the version on the wire, over every process they ran as. */
  readonly decoded: VersionCounts;
  readonly deadLetters: number;
}

/** The part of `twostep status --json` the rollout checks (docs/cli.md). */
interface StatusJson {
  readonly memberCount: number;
  readonly capabilities: readonly { readonly capability: string; readonly readers: Readonly<Record<string, number>>; readonly readyForNext: boolean }[];
}

const CONSUMERS = ["c1", "c2"] as const;
const PRODUCER = "p1";

/**
 * Walks through a real rollout of `orders.OrderPlaced` v2 with the `twostep`
 * CLI, on consumer and producer processes exchanging orders over NATS:
 * consumers on the previous build, v2 planned and refused, consumers upgraded
 * one by one, the writer ramped to 10% and then to all, and rolled back.
 * Prints each step and each command before running it; stops every process
 * it started, and kills them when a step fails or time runs out.
 */
export async function runRollout(options: RolloutOptions): Promise<RolloutSummary> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const windowMs = options.windowMs ?? 2_000;
  const prefix = options.prefix ?? `orders-${Date.now().toString(36)}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TWOSTEP_NATS_URL: options.natsUrl,
    TWOSTEP_NATS_PREFIX: prefix,
    TWOSTEP_LOG_LEVEL: process.env["TWOSTEP_LOG_LEVEL"] ?? "warn",
  };
  const started = Date.now();
  const problems: string[] = [];
  const consumers = new Map<string, ServiceProcess>();
  /** The last stats of every consumer process that stopped: their counts add up over restarts. */
  const stoppedConsumers: ServiceStats[] = [];
  let producer: ServiceProcess | undefined;
  let producerStats: ServiceStats | undefined;

  const timeoutMs = options.timeoutMs ?? 55_000;
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    problems.push(`the rollout took longer than ${timeoutMs} ms: every process was killed`);
    killChildren();
  }, timeoutMs);
  /** Throws once time ran out, so that nothing new starts after the watchdog killed everything. */
  const inTime = () => {
    if (timedOut) throw new Error("stopped: out of time");
  };

  const say = (line = "") => write(line.trim() === "" ? "" : `  ${line}`);
  const step = (title: string, ...explanation: string[]) => {
    write(`\n▸ ${title}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const line of explanation) say(line);
  };
  const expect = (condition: boolean, problem: string) => {
    if (!condition) {
      problems.push(problem);
      say(`✗ ${problem}`);
    }
    return condition;
  };

  const twostep = async (args: readonly string[], expectedCode = 0): Promise<TwostepResult> => {
    inTime();
    say("");
    say(`$ twostep ${shellWords(args)}`);
    const result = await runTwostep(args, env);
    for (const line of `${result.stdout}${result.stderr}`.trimEnd().split("\n")) say(`  ${line}`);
    expect(result.code === expectedCode, `twostep ${args[0] ?? ""} exited with ${String(result.code)}, not ${expectedCode}`);
    return result;
  };
  /** A `--json` read, not shown: how the rollout checks what the command above showed. */
  const readJson = async <T>(args: readonly string[]): Promise<T> => {
    inTime();
    const result = await runTwostep([...args, "--json"], env);
    if (result.code !== 0) throw new Error(`twostep ${shellWords(args)} --json exited with ${String(result.code)}: ${result.stderr.trim()}`);
    return JSON.parse(result.stdout) as T;
  };

  const start = async (service: ServiceProcessOptions["service"], id: string, build: ServiceProcessOptions["build"]): Promise<ServiceProcess> => {
    inTime();
    say(`$ ${ServiceProcess.commandLine({ service, id, build })} &`);
    const running = await ServiceProcess.start({ service, id, build, env, onLog: (line) => log(`[${id}] ${line}`) });
    say(`  ${id} joined the fleet on ${running.last?.build ?? "?"}`);
    return running;
  };
  const stopConsumer = async (id: string): Promise<void> => {
    const consumer = consumers.get(id);
    if (consumer === undefined) return;
    say(`$ kill -TERM ${consumer.pid}   # ${id}`);
    const { code, stats } = await consumer.stop();
    consumers.delete(id);
    if (stats !== undefined) stoppedConsumers.push(stats);
    expect(code === 0 && stats?.event === "stopped", `${id} did not stop cleanly (exit code ${String(code)})`);
    say(`  ${id} left the fleet and exited (${code}): decoded ${formatCounts(stats?.decoded ?? {})}, dead letters ${stats?.deadLetters ?? 0}`);
  };

  /** Watches the traffic for `windowMs` from the next stats line of each service (all after the change), and shows it. */
  const watchTraffic = async (): Promise<{ written: VersionCounts; decoded: VersionCounts }> => {
    const services = producer === undefined ? [...consumers.values()] : [producer, ...consumers.values()];
    const before = await Promise.all(services.map((service) => service.next()));
    const from = Date.now();
    // Stats come every second: the line after this pause closes a window of about `windowMs`.
    await sleep(Math.max(windowMs - 500, 0));
    const after = await Promise.all(services.map((service) => service.next()));
    say(`orders over the next ${((Date.now() - from) / 1000).toFixed(1)} s:`);
    const decoded: Record<string, number>[] = [];
    let written: Record<string, number> = {};
    services.forEach((service, index) => {
      const [first, last] = [before[index], after[index]];
      if (service === producer) {
        written = countsSince(last?.written, first?.written);
        say(`  ${service.id} wrote    ${formatCounts(written)}`);
      } else {
        const counts = countsSince(last?.decoded, first?.decoded);
        decoded.push(counts);
        say(`  ${service.id} decoded  ${formatCounts(counts)}  dead letters ${last?.deadLetters ?? 0}`);
      }
    });
    return { written, decoded: sumCounts(decoded) };
  };

  try {
    write(`A rollout of ${ORDER_PLACED} v2 across separate processes over NATS, with the twostep CLI.`);
    say(`twostep below is node packages/cli/bin/twostep.js; this fleet (its own bucket prefix) is:`);
    say(`export TWOSTEP_NATS_URL=${options.natsUrl} TWOSTEP_NATS_PREFIX=${prefix}`);

    step(
      "Step 1: consumers c1, c2 on the previous build, the producer on the current one",
      "The previous build reads and writes only v1 of orders.OrderPlaced; the current one reads and writes v1 and v2.",
      "Consumers share the orders on shop.orders.placed (a queue group); the producer publishes one every 20 ms.",
    );
    say("Adopting twostep: v1 is what the services write today. Writes are closed until a level is set, so the first");
    say("level is set before the services start, from the manifest that declares it (no member runs yet).");
    await twostep(["adopt", ORDER_PLACED, "1", "--manifest", "schemas/twostep.json", "--reason", "adopt twostep", "--yes"]);
    say("");
    for (const id of CONSUMERS) consumers.set(id, await start("consumer", id, "previous"));
    producer = await start("producer", PRODUCER, "current");

    step(
      "Step 2: who reads what; can the producer write v2 yet?",
      "The producer's build could write v2, but c1 and c2 cannot read it: the coordinator refuses the plan.",
    );
    await twostep(["status"]);
    const plan = await twostep(["plan", ORDER_PLACED, "2"], 1);
    expect(
      CONSUMERS.every((id) => new RegExp(`no reader of v2 .*\\b${id}\\b`).test(plan.stdout)),
      "the plan should name c1 and c2 as blockers, without a reader of v2",
    );

    step(
      "Step 3: phase 1, read: upgrade the consumers one by one to the current build",
      "Each consumer leaves the fleet cleanly on SIGTERM and comes back with the same id on the current build;",
      "the other one takes all the orders meanwhile. The producer still writes v1.",
    );
    for (const id of CONSUMERS) {
      say("");
      await stopConsumer(id);
      consumers.set(id, await start("consumer", id, "current"));
    }
    await twostep(["status", ORDER_PLACED]);
    const status = await readJson<StatusJson>(["status", ORDER_PLACED]);
    const orders = status.capabilities.find((capability) => capability.capability === ORDER_PLACED);
    expect(
      orders !== undefined && status.memberCount === 3 && orders.readers["2"] === 3 && orders.readyForNext,
      `every member should read v2 now (readers of v2: ${orders?.readers["2"] ?? 0} of ${status.memberCount})`,
    );

    step(
      "Step 4: phase 2, write: a 10% canary of v2, then all",
      "The canary's share is picked by message key (the order id), so one order never flips between versions.",
    );
    await twostep(["enable-write", ORDER_PLACED, "2", "--percent", "10", "--reason", "canary", "--yes"]);
    const canary = await watchTraffic();
    expect((canary.decoded["2"] ?? 0) > 0, "v2 should appear at the consumers during the canary");
    expect(shareOf(canary.written, 2) < 0.5, "v1 should still carry most orders during the canary");
    await twostep(["enable-write", ORDER_PLACED, "2", "--reason", "all in", "--yes"]);
    const allIn = await watchTraffic();
    expect(shareOf(allIn.decoded, 2) >= 0.9, "v2 should carry the orders once it is the write level");

    step(
      "Step 5: roll the writer back to v1",
      "Always allowed while every member reads v1. v2 stays ever-written: its readers stay required until it is retired.",
    );
    await twostep(["disable-write", ORDER_PLACED, "--to", "1", "--reason", "rollback drill", "--yes"]);
    const rolledBack = await watchTraffic();
    expect(shareOf(rolledBack.decoded, 1) >= 0.9, "v1 should carry the orders again after the rollback");
    await twostep(["history", ORDER_PLACED]);
    const history = await readJson<{ entries: AuditEntry[] }>(["history", ORDER_PLACED]);
    // The changes themselves: the intents that preceded some of them aside.
    const changes = history.entries
      .filter((entry) => entry.note.action !== "intent")
      .map((entry) => `${entry.note.action} ${entry.note.request} "${entry.note.reason}"`);
    expect(
      JSON.stringify(changes) ===
        JSON.stringify([
          'adopt adopt v1 "adopt twostep"',
          'enable-write enable v2 at 10% by key "canary"',
          'enable-write enable v2 "all in"',
          'disable-write disable-write to v1 "rollback drill"',
        ]),
      `the history should hold the four changes, it holds: ${changes.join("; ")}`,
    );

    step("Step 6: stop everything", "The producer first, so that the consumers read every order before they leave.");
    say(`$ kill -TERM ${producer.pid}   # ${PRODUCER}`);
    const stopped = await producer.stop();
    producerStats = stopped.stats;
    expect(stopped.code === 0 && stopped.stats?.event === "stopped", `${PRODUCER} did not stop cleanly (exit code ${String(stopped.code)})`);
    say(`  ${PRODUCER} left the fleet and exited (${stopped.code})`);
    for (const id of CONSUMERS) await stopConsumer(id);
  } catch (error) {
    if (!timedOut) {
      problems.push(error instanceof Error ? error.message : String(error));
      say(`✗ ${problems.at(-1) ?? ""}`);
    }
  } finally {
    clearTimeout(watchdog);
    for (const service of [producer, ...consumers.values()]) service?.kill();
  }

  const written = producerStats?.written ?? {};
  const decoded = sumCounts(stoppedConsumers.map((stats) => stats.decoded));
  const deadLetters = stoppedConsumers.reduce((sum, stats) => sum + (stats.deadLetters ?? 0), 0);
  const lost = totalCount(written) - totalCount(decoded);
  step("Summary");
  say(
    producerStats === undefined
      ? `${PRODUCER} did not stop cleanly: what it wrote is unknown`
      : `${PRODUCER} wrote    ${formatCounts(written)}, ${totalCount(written)} orders; not sent ${producerStats.failed ?? 0}`,
  );
  say(`consumers decoded ${formatCounts(decoded)}, ${totalCount(decoded)} orders over ${stoppedConsumers.length} processes`);
  expect(deadLetters === 0, `${deadLetters} dead letters at the consumers`);
  expect(producerStats === undefined || (producerStats.failed ?? 0) === 0, `${producerStats?.failed ?? 0} orders could not be sent`);
  expect(producerStats === undefined || lost === 0, `${lost} orders were written and never decoded`);
  say(`dead letters ${deadLetters}, lost ${producerStats === undefined ? "?" : lost}`);
  const ok = problems.length === 0;
  say(
    ok
      ? "✓ rollout complete: v2 read first, then written, then rolled back; nothing lost, nothing undecodable"
      : `✗ ${problems.length} ${problems.length === 1 ? "problem" : "problems"}: ${problems.join("; ")}`,
  );
  return { ok, problems, written, decoded, deadLetters };
}
