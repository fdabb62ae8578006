/**
 * The codec goal of `npm run bench` (issue 15): every path of the shop
 * protocol through `Protocol` and `FleetNode` against raw protobufjs or
 * zod + JSON with the migrations called by hand, as a ratio of CPU time
 * measured in one process, interleaved. Each case runs in a process of its
 * own, so that what the engine learnt from one case (call sites inside
 * protobufjs and zod that many types share) does not slow another: the
 * figures then say what each path costs, and they repeat from run to run.
 *
 *   node bench/dist/codec-bench.js [--json] [--rounds N] [--repeat P] [--only TEXT]
 *
 * (P processes per case, 3 by default; TEXT filters the case names.)
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type CodecCase, codecCases, INPUTS } from "./codec-cases.js";
import { CODEC_TARGET, type CodecResult, codecVerdict, verdictText } from "./goals.js";
import { compare, median, quantile } from "./measure.js";

const self = fileURLToPath(import.meta.url);

/**
 * Measures every case whose name contains `only`, each in `repeat` child
 * processes one after the other (an engine may compile a case better in one
 * process than in another); a case's ratio is the median of the rounds of
 * all its processes, its rates the median of theirs.
 */
export async function runCodecBench(options: {
  readonly rounds: number;
  readonly repeat: number;
  readonly only?: string;
  readonly log?: (line: string) => void;
}): Promise<CodecResult[]> {
  const { cases, close } = await codecCases();
  await close();
  const chosen = cases
    .map((entry, index) => ({ name: caseName(entry), index }))
    .filter(({ name }) => options.only === undefined || name.includes(options.only));
  const results: CodecResult[] = [];
  for (const { index } of chosen) {
    const runs: CaseRun[] = [];
    for (let process_ = 0; process_ < options.repeat; process_++) {
      const { stdout } = await promisify(execFile)(process.execPath, [self, "--case", String(index), "--rounds", String(options.rounds)]);
      runs.push(JSON.parse(stdout) as CaseRun);
    }
    const first = runs[0]!;
    const ratios = runs.flatMap((run) => run.ratios);
    const result: CodecResult = {
      ...first.result,
      baseline: { ...first.result.baseline, opsPerSecond: Math.round(median(runs.map((run) => run.result.baseline.opsPerSecond))) },
      subject: { ...first.result.subject, opsPerSecond: Math.round(median(runs.map((run) => run.result.subject.opsPerSecond))) },
      ratio: median(ratios),
      spread: spreadOf(ratios),
    };
    options.log?.(
      `  ${result.name}: ${result.ratio.toFixed(3)}x, rounds ${result.spread.q25.toFixed(3)}-${result.spread.q75.toFixed(3)} ` +
        `(processes: ${runs.map((run) => run.result.ratio.toFixed(3)).join(", ")})`,
    );
    results.push(result);
  }
  return results;
}

/** What one process measured of one case. */
interface CaseRun {
  readonly result: CodecResult;
  readonly ratios: readonly number[];
}

/** Measures case `index` in this process. */
async function measureCase(index: number, rounds: number): Promise<CaseRun> {
  const { cases, close } = await codecCases();
  try {
    const entry = cases[index];
    if (entry === undefined) throw new Error(`there is no codec case ${index}`);
    const measured = compare(entry.baseline.run, entry.subject.run, INPUTS, { rounds, warmupMs: 500 });
    const result: CodecResult = {
      name: caseName(entry),
      bytes: entry.bytes,
      baseline: { label: entry.baseline.label, opsPerSecond: Math.round(measured.baseline) },
      subject: { label: entry.subject.label, opsPerSecond: Math.round(measured.subject) },
      ratio: measured.ratio,
      spread: spreadOf(measured.ratios),
      target: CODEC_TARGET,
    };
    return { result, ratios: measured.ratios };
  } finally {
    await close();
  }
}

/** The first and third quartiles of `ratios`. */
function spreadOf(ratios: readonly number[]): CodecResult["spread"] {
  return { q25: quantile(ratios, 0.25), q75: quantile(ratios, 0.75) };
}

function caseName(entry: CodecCase): string {
  return `${entry.via} ${entry.type} ${entry.path}, ${entry.size}`;
}

if (process.argv[1] === self) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at === -1 ? undefined : args[at + 1];
  };
  const rounds = Number(option("--rounds") ?? 15);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds takes a positive integer");
  const one = option("--case");
  if (one !== undefined) {
    process.stdout.write(`${JSON.stringify(await measureCase(Number(one), rounds))}\n`);
  } else {
    const only = option("--only");
    const repeat = Number(option("--repeat") ?? 3);
    const results = await runCodecBench({ rounds, repeat, ...(only === undefined ? {} : { only }) });
    if (args.includes("--json")) {
      process.stdout.write(`${JSON.stringify(results)}\n`);
    } else {
      for (const result of results) {
        process.stdout.write(
          `${result.name.padEnd(62)} ${String(result.bytes).padStart(5)} B  ${formatOps(result.baseline.opsPerSecond)}  ${formatOps(result.subject.opsPerSecond)}  ` +
            `${result.ratio.toFixed(3)}x (${result.spread.q25.toFixed(2)}-${result.spread.q75.toFixed(2)})  ${verdictText(codecVerdict(result))}\n`,
        );
      }
    }
  }
}

function formatOps(ops: number): string {
  return `${ops.toLocaleString("en-US").padStart(11)}/s`;
}
