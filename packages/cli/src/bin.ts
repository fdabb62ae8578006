#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { run } from "./cli.js";
import { nodeContext } from "./node-context.js";

// The only place that reads process.argv and exits: everything else takes a context and returns an exit code.
const interrupted = new AbortController();
process.on("SIGINT", () => {
  if (interrupted.signal.aborted) process.exit(130);
  interrupted.abort();
  // `watch` stops by itself on the signal; anything else gets a moment to finish, then is ended.
  setTimeout(() => process.exit(130), 2_000).unref();
});

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
const exitCode = await run(process.argv.slice(2), nodeContext(interrupted.signal), { version });
// Flush what is still buffered before exiting, so a piped `--json` is never cut short.
await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
process.exit(exitCode);
