import { posix, relative, resolve, sep } from "node:path";
import { isTwostepError, type TwostepError } from "@twostep/core";
import type { ControlPlane, Coordinator } from "@twostep/fleet";
import { checkRolloutInRepository } from "./check-rollout.js";
import { compareProtoTrees } from "./compare-proto-trees.js";
import { CheckUsageError, SchemaSourceError } from "./errors.js";
import { escapeData, formatViolationsAsGithubAnnotations } from "./format-violations-as-github-annotations.js";
import { formatViolationsAsJson } from "./format-violations-as-json.js";
import { formatViolationsAsText } from "./format-violations-as-text.js";
import { repositoryPrefix } from "./git-revision.js";
import { CHECK_USAGE, parseCheckArgs, type CheckCommand, type CheckFormat } from "./parse-check-args.js";
import type { Violation } from "./violation.js";

/** The exit codes of `twostep check`. */
export const CheckExitCode = {
  /** No violations. */
  Clean: 0,
  /** Violations, listed on stdout. */
  Violations: 1,
  /** Bad usage, or input that cannot be read: the error, with its file and line, is on stderr. */
  Unusable: 2,
} as const;

/** One of the codes in {@link CheckExitCode}. */
export type CheckExitCode = (typeof CheckExitCode)[keyof typeof CheckExitCode];

/** Anything text can be written to: a stream, the CLI's output, a test buffer. */
export interface TextWriter {
  write(text: string): unknown;
}

/** What {@link runCheck} knows besides its arguments. */
export interface CheckIo {
  /** The directory the command runs in: relative paths and the repository are found from it. Defaults to `process.cwd()`. */
  readonly cwd?: string;
  /** Receives what stdout gets, as it is produced (it is returned as well). */
  readonly stdout?: TextWriter;
  /** Receives what stderr gets, as it is produced (it is returned as well). */
  readonly stderr?: TextWriter;
  /**
   * Connects to the control plane at a `--fleet` URL (the CLI passes one
   * built on `@twostep/nats`). Called only when some write target is
   * raised; a {@link ControlPlane} it returns is closed when the check ends.
   * Without it, `--fleet` is a usage error.
   */
  readonly connectFleet?: (url: string) => Promise<Coordinator | ControlPlane>;
}

/** What {@link runCheck} did. */
export interface CheckResult {
  readonly exitCode: CheckExitCode;
  /** Everything written to stdout: the violations in the chosen format (or the usage text). */
  readonly stdout: string;
  /** Everything written to stderr: a summary line, or the error. */
  readonly stderr: string;
  /** The violations found (none on exit code 2). */
  readonly violations: readonly Violation[];
}

/**
 * The `twostep check` command as a function: parses `args` (the arguments
 * after `check`), runs `checkRollout` (`--base REF`) or
 * `compareProtoTrees` (`compat <previous-dir> <current-dir>`), prints the
 * violations as text, JSON or GitHub annotations, and returns the exit
 * code: 0 clean, 1 violations, 2 bad usage or unreadable input (a twostep
 * error, printed with its code, file and line). Files are printed relative
 * to `cwd`; GitHub annotations relative to the repository root. Never exits
 * the process; unexpected errors (bugs) are thrown.
 */
export async function runCheck(args: readonly string[], io: CheckIo = {}): Promise<CheckResult> {
  const stdout = collect(io.stdout);
  const stderr = collect(io.stderr);
  const cwd = io.cwd ?? process.cwd();
  let command: CheckCommand | undefined;
  try {
    command = parseCheckArgs(args);
    if (command.kind === "help") {
      stdout.write(CHECK_USAGE);
      return { exitCode: CheckExitCode.Clean, stdout: stdout.text(), stderr: stderr.text(), violations: [] };
    }
    const { violations, subject, pathPrefix } = command.kind === "compat" ? await compat(command, cwd) : await rollout(command, cwd, io, stderr);
    stdout.write(render(violations, command.format, pathPrefix));
    const count = violations.length === 0 ? "no violations" : `${violations.length} violation${violations.length === 1 ? "" : "s"}`;
    stderr.write(`twostep check: ${count} ${subject}\n`);
    const exitCode = violations.length === 0 ? CheckExitCode.Clean : CheckExitCode.Violations;
    return { exitCode, stdout: stdout.text(), stderr: stderr.text(), violations };
  } catch (error) {
    if (!isTwostepError(error)) throw error;
    stdout.write(await renderError(error, command?.kind === "help" ? "text" : (command?.format ?? formatOf(args)), cwd));
    stderr.write(`twostep check: ${error.code}: ${error.message}\n`);
    return { exitCode: CheckExitCode.Unusable, stdout: stdout.text(), stderr: stderr.text(), violations: [] };
  }
}

interface Outcome {
  readonly violations: Violation[];
  /** What was compared, for the summary line. */
  readonly subject: string;
  /** Prefix that makes printed paths relative to the repository root, for GitHub. */
  readonly pathPrefix: string;
}

async function compat(command: Extract<CheckCommand, { kind: "compat" }>, cwd: string): Promise<Outcome> {
  const previous = resolve(cwd, command.previous);
  const current = resolve(cwd, command.current);
  const under = toPosix(relative(cwd, current));
  const violations = (await compareProtoTrees(previous, current)).map((violation) => ({ ...violation, file: posix.join(under, violation.file) }));
  // Outside a repository there is no root to be relative to: paths stay relative to cwd.
  const pathPrefix = command.format === "github" ? await repositoryPrefix(cwd).catch(() => "") : "";
  return { violations, subject: `between ${command.previous} and ${command.current}`, pathPrefix };
}

async function rollout(command: Extract<CheckCommand, { kind: "rollout" }>, cwd: string, io: CheckIo, stderr: TextWriter): Promise<Outcome> {
  const url = command.fleet;
  const connect = io.connectFleet;
  if (url !== undefined && connect === undefined) {
    throw new CheckUsageError("--fleet is not available here: this program was built without a control-plane client");
  }
  let opened: Coordinator | ControlPlane | undefined;
  const fleet =
    url === undefined || connect === undefined
      ? undefined
      : async () => {
          opened = await connect(url);
          return opened;
        };
  try {
    const { violations, prefix } = await checkRolloutInRepository({
      cwd,
      base: command.base,
      ...(command.manifest === undefined ? {} : { manifestPath: command.manifest }),
      ...(fleet === undefined ? {} : { fleet }),
    });
    const pathPrefix = command.format === "github" ? prefix : "";
    return { violations, subject: `against ${command.base}${url === undefined ? "" : ` and the fleet at ${url}`}`, pathPrefix };
  } finally {
    await closeFleet(opened, stderr);
  }
}

async function closeFleet(opened: Coordinator | ControlPlane | undefined, stderr: TextWriter): Promise<void> {
  // A coordinator owns no connection of its own; a control plane is ours to close.
  if (opened === undefined || typeof (opened as Partial<ControlPlane>).close !== "function") return;
  try {
    await (opened as ControlPlane).close();
  } catch (error) {
    stderr.write(`twostep check: closing the fleet connection failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

function render(violations: readonly Violation[], format: CheckFormat, pathPrefix: string): string {
  switch (format) {
    case "text":
      return formatViolationsAsText(violations);
    case "json":
      return formatViolationsAsJson(violations);
    case "github":
      return formatViolationsAsGithubAnnotations(violations, { pathPrefix });
  }
}

// An error in the chosen format on stdout, so that machines see it too (text: stderr only).
async function renderError(error: TwostepError, format: CheckFormat, cwd: string): Promise<string> {
  if (format === "text") return "";
  // Errors in the working tree are placed relative to it; those at the base name their revision (root) instead.
  const inWorkingTree = error instanceof SchemaSourceError && error.side === "current";
  const file = inWorkingTree ? toPosix(relative(cwd, resolve(cwd, error.root ?? ".", error.file))) : undefined;
  if (format === "json") {
    const located =
      error instanceof SchemaSourceError
        ? { file: file ?? error.file, line: error.line, side: error.side, ...(inWorkingTree || error.root === undefined ? {} : { root: error.root }) }
        : {};
    return `${JSON.stringify({ error: { code: error.code, ...located, message: error.message } }, null, 2)}\n`;
  }
  const prefix = file === undefined ? "" : await repositoryPrefix(cwd).catch(() => "");
  const where = file === undefined || !(error instanceof SchemaSourceError) ? "" : `file=${prefix}${file},line=${error.line},`;
  return `::error ${where}title=${error.code}::${escapeData(error.message)}\n`;
}

// The --format asked for, when the arguments did not parse (an error is still shown in it).
function formatOf(args: readonly string[]): CheckFormat {
  const index = args.indexOf("--format");
  const value = index === -1 ? args.find((arg) => arg.startsWith("--format="))?.slice(9) : args[index + 1];
  return value === "json" || value === "github" ? value : "text";
}

function collect(writer: TextWriter | undefined): TextWriter & { text(): string } {
  const chunks: string[] = [];
  return {
    write(text: string) {
      chunks.push(text);
      writer?.write(text);
    },
    text: () => chunks.join(""),
  };
}

function toPosix(path: string): string {
  return path.split(sep).join("/");
}
