#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { run } from "./cli.js";
import { nodeContext } from "./node-context.js";

// The only place that reads process.argv and exits: everything else takes a context and returns an exit code.
const interrupted = new AbortController();
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.on(signal, () => {
    if (interrupted.signal.aborted) process.exit(code);
    interrupted.abort();
    // `watch` and `controller` stop by themselves on the signal (the controller gives its lease up); anything else gets a moment to finish, then is ended.
    setTimeout(() => process.exit(code), 2_000).unref();
  });
}

// A reader that goes away early (`twostep status | head -n 3`) ends the command quietly: no EPIPE stack
// trace, what is left to print is dropped, and a command that runs until stopped (`watch`) stops.
for (const output of [process.stdout, process.stderr]) {
  output.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
    interrupted.abort();
  });
}

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
const exitCode = await run(process.argv.slice(2), nodeContext(interrupted.signal), { version });
// Flush what is still buffered before exiting, so a piped `--json` is never cut short.
await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
process.exit(exitCode);
