/** One side of a comparison: a function that does one operation on input `index`. */
export type Operation = (index: number) => unknown;

/** Options of {@link compare}. */
export interface CompareOptions {
  /** Measured rounds; each runs the sides in the order ABBA BAAB. Defaults to 15. */
  readonly rounds?: number;
  /** How long one run of one side takes, in milliseconds of CPU. Defaults to 10. */
  readonly batchMs?: number;
  /** Warm-up time before the first round, in milliseconds, shared by both sides. Defaults to 500. */
  readonly warmupMs?: number;
}

/** What {@link compare} measured: medians over the rounds. */
export interface Comparison {
  /** Median operations per second of the baseline. */
  readonly baseline: number;
  /** Median operations per second of the subject. */
  readonly subject: number;
  /** Median of the per-round ratios subject / baseline (above 1: the subject is faster). */
  readonly ratio: number;
  /** Rounds measured. */
  readonly rounds: number;
  /** The ratio of every round, in order. */
  readonly ratios: readonly number[];
}

/**
 * The runs of one round: each side four times, at mirrored places, so that
 * drift linear in time, and an event that recurs at the same place in every
 * round (a garbage collection whose period is about a round's), cost both
 * sides alike. With ABBA and BAAB as rounds of their own, such an event hit
 * one side in even rounds and the other in odd ones, and the median took
 * whichever side it had hit in fewer rounds: 0.6x or 1.5x for one case.
 */
const ROUND = ["baseline", "subject", "subject", "baseline", "subject", "baseline", "baseline", "subject"] as const;

/**
 * Where every result goes, so that it escapes: the engine may not drop the
 * work that made it, nor the allocation of an object it could otherwise
 * take apart (a decoded frame whose fields no one reads). Written and never
 * read, which is the point.
 */
const sink: { last: unknown } = { last: undefined };

/**
 * Measures `subject` against `baseline` over `inputs` inputs in one process,
 * by CPU time, interleaved to resist noise: a warm-up of both, then rounds that run the
 * sides in the order ABBA BAAB (see {@link ROUND}), each run a fixed number
 * of operations. Reports medians, and the median of the per-round
 * ratios, which cancels drift (frequency scaling, a noisy neighbour) that
 * hits both sides of a round alike.
 */
export function compare(baseline: Operation, subject: Operation, inputs: number, options: CompareOptions = {}): Comparison {
  const rounds = options.rounds ?? 15;
  const batchMs = options.batchMs ?? 10;
  const warmupMs = options.warmupMs ?? 500;
  const runners = { baseline: makeRunner(), subject: makeRunner() };
  for (const deadline = performance.now() + warmupMs; performance.now() < deadline; ) {
    runners.baseline(baseline, inputs, inputs);
    runners.subject(subject, inputs, inputs);
  }
  const operations = Math.max(
    inputs,
    Math.round((batchMs / 1000) * Math.min(rate(runners.baseline, baseline, inputs), rate(runners.subject, subject, inputs))),
  );
  const results = { baseline: [] as number[], subject: [] as number[], ratio: [] as number[] };
  const sides = { baseline, subject };
  const runsPerSide = ROUND.length / 2;
  for (let round = 0; round < rounds; round++) {
    const seconds = { baseline: 0, subject: 0 };
    for (const side of ROUND) seconds[side] += runners[side](sides[side], inputs, operations);
    results.baseline.push((runsPerSide * operations) / seconds.baseline);
    results.subject.push((runsPerSide * operations) / seconds.subject);
    results.ratio.push(seconds.baseline / seconds.subject);
  }
  return { baseline: median(results.baseline), subject: median(results.subject), ratio: median(results.ratio), rounds, ratios: results.ratio };
}

type Runner = (operation: Operation, inputs: number, operations: number) => number;

/**
 * A loop that runs `operations` operations cycling over the inputs and
 * returns the CPU seconds this process spent meanwhile (user and system,
 * its garbage collector's threads included): time it was not running,
 * because other processes had the cores, does not count, so a busy machine
 * skews no side. Each side of each comparison gets a loop of its own,
 * compiled apart, so that its call site sees one operation only: with one
 * loop shared by every case the engine would inline some operations and not
 * others, and the ratios would measure that.
 */
function makeRunner(): Runner {
  return new Function(
    "sink",
    `"use strict";
    return function run(operation, inputs, operations) {
      const start = process.cpuUsage();
      for (let done = 0; done < operations; done++) {
        sink.last = operation(done % inputs);
      }
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1e6;
    };`,
  )(sink) as Runner;
}

/** Operations per second over a short trial, to size the batches. */
function rate(run: Runner, operation: Operation, inputs: number): number {
  let operations = inputs;
  for (;;) {
    const seconds = run(operation, inputs, operations);
    if (seconds > 0.02) return operations / seconds;
    operations *= 2;
  }
}

/** The middle of `values` (the mean of the two middle ones for an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The `q` quantile (0..1) of `values` by linear interpolation between the nearest ranks; NaN when there are none. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = sorted[Math.floor(position)] ?? Number.NaN;
  const above = sorted[Math.ceil(position)] ?? below;
  return below + (above - below) * (position - Math.floor(position));
}
