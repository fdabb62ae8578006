#!/usr/bin/env node
/**
 * `npm run test:under-load`: the whole suite (`npm test`: lint, tsc and
 * vitest) run again and again beside busy loops, as on a loaded shared CI
 * runner. A test that passes only on an idle machine fails here.
 *
 *   npm run test:under-load -- [--runs N] [--loops N] [--logs DIR]
 *
 * Defaults: 5 runs, 2 busy loops (each a `node` spinning on one core, pinned
 * with `taskset` when it is installed: loop i on core i modulo the core
 * count), logs in a new temporary directory. Stops at the first failing run
 * and prints its failing tests (from vitest's JSON report) or, when lint or
 * tsc failed first, the end of its log. Prints each run's duration and the
 * 1-minute load average seen during it. Exits 0 when every run passed, 1 at
 * the first failure, 2 on bad usage.
 */
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    loops: { type: "string", default: "2" },
    logs: { type: "string" },
  },
});
const runs = wholeNumber("--runs", values.runs, 1);
const loopCount = wholeNumber("--loops", values.loops, 0);
const logDir = values.logs === undefined ? mkdtempSync(join(tmpdir(), "twostep-under-load-")) : resolve(values.logs);
mkdirSync(logDir, { recursive: true });

const cores = availableParallelism();
const pinned = spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
const loops = Array.from({ length: loopCount }, (_, index) => {
  // Spins, and every 10^8 rounds exits if this script is gone (killed before it could stop the loops).
  const spin = [process.execPath, "-e", `for (let i = 1; ; i++) if (i % 1e8 === 0) try { process.kill(${process.pid}, 0); } catch { process.exit(); }`];
  const [command, ...args] = pinned ? ["taskset", "--cpu-list", String(index % cores), ...spin] : spin;
  return spawn(command ?? process.execPath, args, { stdio: "ignore" });
});
const stopLoops = () => {
  for (const loop of loops) loop.kill("SIGKILL");
};
process.on("exit", stopLoops);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopLoops();
    process.exit(130);
  });
}

console.log(
  `${runs} run(s) of npm test beside ${loopCount} busy loop(s) ${pinned ? "pinned with taskset" : "(taskset not found: not pinned)"} ` +
    `on ${cores} core(s); logs in ${logDir}`,
);

const results = [];
let failed = false;
for (let run = 1; run <= runs && !failed; run++) {
  const result = await runSuite(run);
  results.push(result);
  console.log(`run ${run}/${runs}: ${result.ok ? "passed" : "FAILED"} in ${seconds(result.ms)} (load average ${range(result.load)})`);
  if (!result.ok) {
    failed = true;
    report(result);
  }
}

console.log("\nrun  result  duration  load average (1 min)");
for (const [index, result] of results.entries()) {
  console.log(`${String(index + 1).padStart(3)}  ${(result.ok ? "passed" : "FAILED").padEnd(6)}  ${seconds(result.ms).padStart(8)}  ${range(result.load)}`);
}
console.log(failed ? `stopped at the first failure: see ${logDir}` : `all ${runs} run(s) passed`);
stopLoops();
process.exit(failed ? 1 : 0);

/** Runs `npm test` once, its output in `run-N.log` and vitest's JSON report in `run-N.json`. */
function runSuite(run) {
  const log = join(logDir, `run-${run}.log`);
  const json = join(logDir, `run-${run}.json`);
  const out = createWriteStream(log);
  const load = [];
  const sample = () => load.push(loadavg()[0] ?? 0);
  const sampler = setInterval(sample, 5_000);
  const started = Date.now();
  // npm appends what follows `--` to the test script, whose last command is `vitest run`.
  const child = spawn("npm", ["test", "--", "--reporter=default", "--reporter=json", `--outputFile.json=${json}`], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  return new Promise((done) => {
    child.once("close", (code, signal) => {
      clearInterval(sampler);
      sample();
      out.end(() => done({ ok: code === 0, code: code ?? signal, ms: Date.now() - started, load, log, json }));
    });
  });
}

/** Prints what failed in a run: the failing tests, else the end of the log. */
function report(result) {
  console.log(`\nnpm test exited with ${result.code}; log: ${result.log}`);
  const failures = existsSync(result.json) ? failingTests(JSON.parse(readFileSync(result.json, "utf8"))) : [];
  if (failures.length === 0) {
    console.log("no failing test in vitest's report (lint or tsc failed, or vitest did not finish); the end of the log:\n");
    console.log(readFileSync(result.log, "utf8").split("\n").slice(-60).join("\n"));
    return;
  }
  console.log(`${failures.length} failure(s):`);
  for (const failure of failures) console.log(`\nFAIL ${failure.where}\n${failure.message}`);
}

/** The failed tests of a vitest JSON report, and the files that failed outside any test (a hook, an import). */
function failingTests(reportJson) {
  const failures = [];
  for (const file of reportJson.testResults ?? []) {
    const where = file.name.startsWith(root) ? file.name.slice(root.length + 1) : file.name;
    const tests = (file.assertionResults ?? []).filter((test) => test.status === "failed");
    for (const test of tests) failures.push({ where: `${where} > ${test.fullName}`, message: clip((test.failureMessages ?? []).join("\n")) });
    if (tests.length === 0 && file.status === "failed") failures.push({ where, message: clip(file.message ?? "") });
  }
  return failures;
}

function clip(text) {
  const lines = text.split("\n");
  return lines.length > 25 ? [...lines.slice(0, 25), `... (${lines.length - 25} more lines in the log)`].join("\n") : text;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function range(samples) {
  if (samples.length === 0) return "-";
  return `${Math.min(...samples).toFixed(1)}-${Math.max(...samples).toFixed(1)}`;
}

function wholeNumber(name, text, min) {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    console.error(`${name} ${text}: give a whole number of ${min} or more`);
    process.exit(2);
  }
  return value;
}
