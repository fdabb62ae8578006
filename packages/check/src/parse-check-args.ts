import { parseArgs } from "node:util";
import { CheckUsageError } from "./errors.js";

/** How `twostep check` prints violations. */
export type CheckFormat = "text" | "json" | "github";

/** The formats of `--format`. */
export const CHECK_FORMATS: readonly CheckFormat[] = ["text", "json", "github"];

/** What the arguments of `twostep check` ask for. */
export type CheckCommand =
  | { readonly kind: "help" }
  | { readonly kind: "rollout"; readonly base: string; readonly manifest?: string; readonly fleet?: string; readonly format: CheckFormat }
  | { readonly kind: "compat"; readonly previous: string; readonly current: string; readonly format: CheckFormat };

/** The usage text of `twostep check`, printed by `--help`. */
export const CHECK_USAGE = `Usage:
  twostep check --base REF [--manifest PATH] [--fleet URL] [--format text|json|github]
  twostep check compat <previous-dir> <current-dir> [--format text|json|github]

Compares the protocol manifest (default schemas/twostep.json) and its schemas in
the working tree with those at git revision REF: rollout order, type ids,
shipped protobuf schemas (buf's WIRE rules) and JSON Schema snapshots. With
--fleet, a raised write target must also be read by every member of the fleet.
\`compat\` compares two directories of .proto files with buf's WIRE rules only.

Exit codes:
  0  no violations
  1  violations (listed on stdout)
  2  bad usage, or input that cannot be read (a missing revision, an invalid manifest, a schema that does not parse)

Rules, formats and examples: docs/check.md.
`;

/**
 * Parses the arguments of `twostep check` (those after `check`). Throws
 * {@link CheckUsageError} for unknown options, missing or extra arguments
 * and unknown formats.
 */
export function parseCheckArgs(args: readonly string[]): CheckCommand {
  const { values, positionals } = parseOptions(args);
  if (values.help === true) return { kind: "help" };
  const format = values.format ?? "text";
  if (!(CHECK_FORMATS as readonly string[]).includes(format)) {
    throw new CheckUsageError(`unknown --format ${JSON.stringify(format)}: use ${CHECK_FORMATS.join(", ")}`);
  }
  const checked = format as CheckFormat;
  if (positionals[0] === "compat") {
    const extra = (["base", "manifest", "fleet"] as const).filter((name) => values[name] !== undefined);
    if (extra.length > 0) throw new CheckUsageError(`check compat takes no ${extra.map((name) => `--${name}`).join(", ")}: it compares two directories`);
    const [, previous, current, ...rest] = positionals;
    if (previous === undefined || current === undefined) throw new CheckUsageError("check compat needs two directories: <previous-dir> <current-dir>");
    if (rest.length > 0) throw new CheckUsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
    return { kind: "compat", previous, current, format: checked };
  }
  if (positionals.length > 0) throw new CheckUsageError(`unexpected argument ${JSON.stringify(positionals[0])} (the subcommand is compat)`);
  if (values.base === undefined || values.base === "")
    throw new CheckUsageError("--base REF is required: the git revision to compare with, such as origin/main");
  return {
    kind: "rollout",
    base: values.base,
    format: checked,
    ...(values.manifest === undefined ? {} : { manifest: values.manifest }),
    ...(values.fleet === undefined ? {} : { fleet: values.fleet }),
  };
}

// node:util's parseArgs over the options of `twostep check`, its errors thrown as CheckUsageError.
function parseOptions(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        base: { type: "string" },
        manifest: { type: "string" },
        fleet: { type: "string" },
        format: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new CheckUsageError(error instanceof Error ? error.message : String(error));
  }
}
