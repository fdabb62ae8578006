/**
 * The codec goal of `npm run bench` (issue 15): every path of the shop
 * protocol through `Protocol` and `FleetNode` against raw protobufjs or
 * zod + JSON with the migrations called by hand, as a ratio measured in one
 * process, interleaved. Run alone: `node bench/dist/codec-bench.js
 * [--json] [--rounds N] [--only TEXT]` (TEXT filters the case names).
 */
import { type CodecCase, codecCases, INPUTS } from "./codec-cases.js";
import { CODEC_TARGET, type CodecResult } from "./goals.js";
import { compare } from "./measure.js";

export async function runCodecBench(options: { readonly rounds: number; readonly only?: string }): Promise<CodecResult[]> {
  const { cases, close } = await codecCases();
  try {
    const chosen = cases.filter((entry) => options.only === undefined || caseName(entry).includes(options.only));
    return chosen.map((entry) => {
      const result = compare(entry.baseline.run, entry.subject.run, INPUTS, { rounds: options.rounds, warmupMs: 300 });
      return {
        name: caseName(entry),
        bytes: entry.bytes,
        baseline: { label: entry.baseline.label, opsPerSecond: Math.round(result.baseline) },
        subject: { label: entry.subject.label, opsPerSecond: Math.round(result.subject) },
        ratio: result.ratio,
        target: CODEC_TARGET,
      };
    });
  } finally {
    await close();
  }
}

function caseName(entry: CodecCase): string {
  return `${entry.via} ${entry.type} ${entry.path}, ${entry.size}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const roundsAt = args.indexOf("--rounds");
  const onlyAt = args.indexOf("--only");
  const rounds = roundsAt === -1 ? 15 : Number(args[roundsAt + 1]);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds takes a positive integer");
  const results = await runCodecBench({ rounds, ...(onlyAt === -1 ? {} : { only: args[onlyAt + 1] ?? "" }) });
  if (args.includes("--json")) {
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } else {
    for (const result of results) {
      const verdict = result.ratio >= result.target ? "PASS" : "MISS";
      process.stdout.write(
        `${result.name.padEnd(62)} ${String(result.bytes).padStart(5)} B  ${formatOps(result.baseline.opsPerSecond)}  ${formatOps(result.subject.opsPerSecond)}  ${result.ratio.toFixed(3)}x  ${verdict}\n`,
      );
    }
  }
}

function formatOps(ops: number): string {
  return `${ops.toLocaleString("en-US").padStart(11)}/s`;
}
