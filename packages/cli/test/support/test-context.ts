import { type CliContext, type ConnectionOptions, run } from "@twostep/cli";
import type { ControlPlane } from "@twostep/fleet";

/** How a test runs the command line in process. */
export interface InProcessOptions {
  /** The control plane every `connect()` returns (never closed by the command: the test owns it). */
  readonly plane: ControlPlane;
  readonly stdoutTTY?: boolean;
  readonly stdinTTY?: boolean;
  /** Answers to confirmation prompts, in order; a prompt beyond them fails the test. */
  readonly answers?: readonly boolean[];
  readonly env?: Readonly<Record<string, string>>;
  /** The working directory; defaults to the test process's. */
  readonly cwd?: string;
  readonly signal?: AbortSignal;
  /** The coordinator's clock; defaults to `Date.now` (a test fleet passes its fake one). */
  readonly clock?: () => number;
}

/** What an in-process run printed and asked. */
export interface InProcessRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly questions: readonly string[];
  /** Frames drawn by the live view, in order. */
  readonly frames: readonly string[];
  readonly connections: readonly ConnectionOptions[];
}

/** A context on a given control plane, recording output, prompts and live frames. */
export function testContext(options: InProcessOptions): {
  context: CliContext;
  stdout: () => string;
  frames: () => readonly string[];
  result: (code: number) => InProcessRun;
} {
  let stdout = "";
  let stderr = "";
  const questions: string[] = [];
  const frames: string[] = [];
  const connections: ConnectionOptions[] = [];
  const answers = [...(options.answers ?? [])];
  // The command closes what it connected; the test's plane must outlive it.
  const borrowed = new Proxy(options.plane, { get: (target, property) => (property === "close" ? async () => {} : bound(target, property)) });
  const context: CliContext = {
    stdout: {
      write: (text) => {
        stdout += text;
      },
      isTTY: options.stdoutTTY ?? false,
      columns: 120,
    },
    stderr: {
      write: (text) => {
        stderr += text;
      },
      isTTY: false,
    },
    stdinIsTTY: options.stdinTTY ?? false,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal ?? new AbortController().signal,
    connect: async (connection) => {
      connections.push(connection);
      return borrowed;
    },
    confirm: async (question) => {
      questions.push(question);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected confirmation prompt: ${question}`);
      return answer;
    },
    defaultActor: () => "tester",
    clock: options.clock ?? Date.now,
    liveView: async () => ({ render: (text) => void frames.push(text), done: () => {} }),
  };
  return { context, stdout: () => stdout, frames: () => frames, result: (code) => ({ code, stdout, stderr, questions, frames, connections }) };
}

/** `plane` with one method replaced, such as an `append` that fails. */
export function withMethod<K extends keyof ControlPlane>(plane: ControlPlane, name: K, replacement: ControlPlane[K]): ControlPlane {
  return new Proxy(plane, { get: (target, property) => (property === name ? replacement : bound(target, property)) });
}

function bound(target: object, property: string | symbol): unknown {
  const value = Reflect.get(target, property) as unknown;
  return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}

/** Starts `twostep ...argv` in process, for commands that run until stopped (`watch`): `stdout` and `frames` show what it drew so far. */
export function startInProcess(
  argv: readonly string[],
  options: InProcessOptions,
): { done: Promise<InProcessRun>; stdout: () => string; frames: () => readonly string[] } {
  const { context, stdout, frames, result } = testContext(options);
  return { done: run(argv, context).then(result), stdout, frames };
}

/** Runs `twostep ...argv` in process on a test context. */
export async function runInProcess(argv: readonly string[], options: InProcessOptions): Promise<InProcessRun> {
  const { context, result } = testContext(options);
  return result(await run(argv, context));
}
