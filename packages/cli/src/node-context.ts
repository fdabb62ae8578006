import { createInterface } from "node:readline/promises";
import type { CliContext, OutputStream } from "./cli-context.js";
import { defaultActor } from "./default-actor.js";

/**
 * The context of the real `twostep` binary: the process's streams,
 * environment and working directory, the control plane of the connection
 * flags (loaded only when a command connects), a readline confirmation on stderr (so stdout stays clean for
 * `--json`), log-update for live views, and `signal` for SIGINT and SIGTERM.
 */
export function nodeContext(signal: AbortSignal): CliContext {
  return {
    stdout: stream(process.stdout),
    stderr: stream(process.stderr),
    stdinIsTTY: process.stdin.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    signal,
    // Loaded when a command connects: resolving a connection loads the contexts' schema and @twostep/core.
    async connect(options) {
      const { connectControlPlane } = await import("./connection-options.js");
      return connectControlPlane(options);
    },
    clock: Date.now,
    async confirm(question) {
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      const asked = new AbortController();
      // Ctrl-C at the prompt means no.
      prompt.on("SIGINT", () => asked.abort());
      try {
        const answer = await prompt.question(`${question} [y/N] `, { signal: asked.signal });
        return /^y(es)?$/i.test(answer.trim());
      } catch {
        return false;
      } finally {
        prompt.close();
      }
    },
    defaultActor: () => defaultActor(),
    async liveView() {
      const { createLogUpdate } = await import("log-update");
      const update = createLogUpdate(process.stdout);
      return { render: (text) => update(text), done: () => update.done() };
    },
  };
}

function stream(target: NodeJS.WriteStream): OutputStream {
  return {
    write: (text) => void target.write(text),
    get isTTY() {
      return target.isTTY === true;
    },
    get columns() {
      return target.columns;
    },
  };
}
