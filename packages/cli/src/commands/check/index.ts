import { posix, relative, resolve, sep } from "node:path";
import {
  checkRollout,
  compareProtoTrees,
  formatErrorAsGithubAnnotation,
  formatErrorAsJson,
  formatViolationsAsGithubAnnotations,
  formatViolationsAsJson,
  formatViolationsAsText,
  repositoryPrefix,
  type Violation,
} from "@twostep/check";
import { isTwostepError, type TwostepError } from "@twostep/core";
import type { ControlPlane } from "@twostep/fleet";
import type { CliContext } from "../../cli-context.js";
import { UsageError } from "../../cli-errors.js";
import { fleetUrlConnection } from "../../connection-options.js";
import { ExitCode } from "../../exit-code.js";
import { exitCodeFor } from "../../exit-code-for.js";

/** How `twostep check` prints violations (`--format`). */
export type CheckFormat = "text" | "json" | "github";

/** Options of {@link check}: its flags, and its positionals by name. */
export interface CheckOptions {
  /** `compat`: compare the directories `previous` and `current` instead of the manifest with `base`. */
  readonly compat?: string;
  readonly previous?: string;
  readonly current?: string;
  /** The git revision to compare the manifest with. */
  readonly base?: string;
  /** The manifest, relative to the working directory. */
  readonly manifest?: string;
  /** The control plane's URL: a raised write target must also be read by the live fleet, and a retirement be made in it. */
  readonly fleet?: string;
  readonly format?: CheckFormat;
}

/** What the arguments ask for, once they make sense together. */
type CheckRequest =
  | { readonly kind: "rollout"; readonly base: string; readonly manifest?: string; readonly fleet?: string }
  | { readonly kind: "compat"; readonly previous: string; readonly current: string };

/** What a check found, and what it compared (for the summary line). */
interface Outcome {
  readonly violations: readonly Violation[];
  readonly subject: string;
}

/**
 * `twostep check --base REF` and `twostep check compat <previous> <current>`:
 * the CI gate of `@twostep/check`. Prints the violations on stdout in
 * `--format` (GitHub annotations with paths from the repository root) and a
 * summary line on stderr; exits 0 when there are none, 1 when there are. Input
 * it cannot read (an unknown revision, an invalid manifest, a schema that does
 * not parse) is printed with its code, file and line, in the format too, and
 * exits 2. `--fleet URL` connects to the control plane there only when some
 * write target is raised or some version is retired or loses its reader,
 * with read-only needs and the credentials and prefix of the environment,
 * and closes it when the check ends.
 */
export async function check(options: CheckOptions, context: CliContext): Promise<ExitCode> {
  const request = checkRequest(options);
  const format = options.format ?? "text";
  // Outside a repository (compat on plain directories) there is no root to be relative to: paths stay relative to cwd.
  const pathPrefix = format === "github" ? repositoryPrefix(context.cwd).catch(() => "") : Promise.resolve("");
  try {
    const { violations, subject } = request.kind === "compat" ? await compat(request, context.cwd) : await rollout(request, context);
    context.stdout.write(formatViolations(violations, format, await pathPrefix));
    const count = violations.length === 0 ? "no violations" : `${violations.length} violation${violations.length === 1 ? "" : "s"}`;
    context.stderr.write(`twostep check: ${count} ${subject}\n`);
    return violations.length === 0 ? ExitCode.Ok : ExitCode.Refused;
  } catch (error) {
    if (!isTwostepError(error)) throw error;
    context.stdout.write(formatError(error, format, context.cwd, await pathPrefix));
    context.stderr.write(`twostep check: ${error.code}: ${error.message}\n`);
    return exitCodeFor(error);
  }
}

function checkRequest(options: CheckOptions): CheckRequest {
  if (options.compat === undefined) {
    if (options.base === undefined || options.base === "")
      throw new UsageError("--base REF is required: the git revision to compare with, such as origin/main");
    return {
      kind: "rollout",
      base: options.base,
      ...(options.manifest === undefined ? {} : { manifest: options.manifest }),
      ...(options.fleet === undefined ? {} : { fleet: options.fleet }),
    };
  }
  if (options.compat !== "compat") throw new UsageError(`unexpected argument ${JSON.stringify(options.compat)} (the subcommand is compat)`);
  const extra = (["base", "manifest", "fleet"] as const).filter((name) => options[name] !== undefined);
  if (extra.length > 0) throw new UsageError(`check compat takes no ${extra.map((name) => `--${name}`).join(", ")}: it compares two directories`);
  if (options.previous === undefined || options.current === undefined) throw new UsageError("check compat needs two directories: <previous> <current>");
  return { kind: "compat", previous: options.previous, current: options.current };
}

async function compat(request: Extract<CheckRequest, { kind: "compat" }>, cwd: string): Promise<Outcome> {
  const current = resolve(cwd, request.current);
  const found = await compareProtoTrees(resolve(cwd, request.previous), current);
  // Printed relative to the working directory, as the violations of a rollout check are.
  const under = relative(cwd, current).split(sep).join("/");
  const violations = found.map((violation) => ({ ...violation, file: posix.join(under, violation.file) }));
  return { violations, subject: `between ${request.previous} and ${request.current}` };
}

async function rollout(request: Extract<CheckRequest, { kind: "rollout" }>, context: CliContext): Promise<Outcome> {
  const url = request.fleet;
  let opened: ControlPlane | undefined;
  // Called only when a fleet rule needs it: a check that raises no write target and retires nothing never connects.
  const fleet =
    url === undefined
      ? undefined
      : async () => {
          opened = await context.connect(fleetUrlConnection(url, context.env));
          return opened;
        };
  try {
    const violations = await checkRollout({
      cwd: context.cwd,
      base: request.base,
      ...(request.manifest === undefined ? {} : { manifestPath: request.manifest }),
      ...(fleet === undefined ? {} : { fleet }),
    });
    return { violations, subject: `against ${request.base}${url === undefined ? "" : ` and the fleet at ${url}`}` };
  } finally {
    await opened?.close().catch((error: unknown) => {
      context.stderr.write(`twostep check: closing the fleet connection failed: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  }
}

function formatViolations(violations: readonly Violation[], format: CheckFormat, pathPrefix: string): string {
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
function formatError(error: TwostepError, format: CheckFormat, cwd: string, pathPrefix: string): string {
  switch (format) {
    case "text":
      return "";
    case "json":
      return formatErrorAsJson(error, { cwd });
    case "github":
      return formatErrorAsGithubAnnotation(error, { cwd, pathPrefix });
  }
}
