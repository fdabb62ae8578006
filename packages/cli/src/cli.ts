import { Command, CommanderError, Option } from "commander";
import { parseCount, parseLevel, parseNumber, parseSeconds } from "./arg-parsers.js";
import type { CliContext } from "./cli-context.js";
import { DEFAULT_NATS_URL } from "./connection-options.js";
import { ExitCode } from "./exit-code.js";

/** A command's entry point: options (positionals included, by name) and the context. */
type Handler = (options: never, context: CliContext) => Promise<ExitCode>;

/** A positional argument of a command. */
interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  readonly parse?: (value: string) => unknown;
}

/** One row of the command table. */
interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly arguments: readonly ArgumentSpec[];
  /** The command's own options; connection options (and for mutations the change options) are added to every one. */
  readonly options: () => readonly Option[];
  /** Whether it changes the fleet: then it takes --reason, --actor, --yes and --dry-run. */
  readonly mutates: boolean;
  /** Whether it talks to the control plane: then it takes the connection options. Defaults to true. */
  readonly connects?: boolean;
  readonly examples: readonly string[];
  /** Imports the command only when it runs, so `twostep status` never loads `watch` or `apply`. */
  readonly load: () => Promise<Handler>;
}

const capability = (required: boolean, description = "the capability, such as a message type (orders.OrderPlaced)"): ArgumentSpec => ({
  name: "capability",
  description,
  required,
});
const level = (description: string): ArgumentSpec => ({ name: "level", description, required: true, parse: parseLevel });
const json = () => new Option("--json", "print JSON instead of text (shapes in docs/cli.md)");
const manifest = () => new Option("--manifest <path>", "the protocol manifest, relative to the working directory (default: schemas/twostep.json)");
const ramp = () => [
  new Option("--percent <n>", "share of writes at the level, above 0 and at most 100; below 100 it is a ramp (default: 100)").argParser(parseNumber),
  new Option("--by <what>", "what a ramp's share hashes on (default: key)").choices(["key", "node"]),
];

/** The command table: one row per command, each in `src/commands/<name>/index.ts`. */
const commands: readonly CommandSpec[] = [
  {
    name: "status",
    summary: "per capability: write level, ramp, readers per level and who blocks the next level; nodes by service and build",
    arguments: [capability(false, "show only this capability")],
    options: () => [json()],
    mutates: false,
    examples: ["twostep status", "twostep status orders.OrderPlaced --json"],
    load: async () => (await import("./commands/status/index.js")).status,
  },
  {
    name: "plan",
    summary: "what enabling a level would do, and who blocks it; changes nothing (exit 1 when it would be refused)",
    arguments: [capability(true), level("the level to enable, such as 2 or v2")],
    options: () => [...ramp(), json()],
    mutates: false,
    examples: ["twostep plan orders.OrderPlaced 2", "twostep plan orders.OrderPlaced 2 --percent 10 --by node"],
    load: async () => (await import("./commands/plan/index.js")).plan,
  },
  {
    name: "enable-write",
    summary: "set the write level (or ramp a share of writes to it) once every member reads it",
    arguments: [capability(true), level("the level writers should use, such as 2 or v2")],
    options: () => ramp(),
    mutates: true,
    examples: [
      'twostep enable-write orders.OrderPlaced 2 --percent 5 --reason "canary, OPS-123"',
      'twostep enable-write orders.OrderPlaced 2 --reason "full rollout" --yes',
    ],
    load: async () => (await import("./commands/enable-write/index.js")).enableWrite,
  },
  {
    name: "disable-write",
    summary: "roll writers back: drop the ramp, else set the level back",
    arguments: [capability(true)],
    options: () => [
      new Option("--to <level>", "the level to go back to (default: the highest lower level ever written and not retired)").argParser(parseLevel),
    ],
    mutates: true,
    examples: [
      'twostep disable-write orders.OrderPlaced --reason "errors in the canary"',
      'twostep disable-write orders.OrderPlaced --to 1 --reason "roll back" --yes',
    ],
    load: async () => (await import("./commands/disable-write/index.js")).disableWrite,
  },
  {
    name: "retire",
    summary: "declare a level no longer written and drained, so builds may drop its reader",
    arguments: [capability(true), level("the level to retire, such as 1 or v1")],
    options: () => [],
    mutates: true,
    examples: ['twostep retire orders.OrderPlaced 1 --reason "v2 everywhere since March" --yes'],
    load: async () => (await import("./commands/retire/index.js")).retire,
  },
  {
    name: "decommission",
    summary: "remove a member that is gone for good (refused while its heartbeat is live)",
    arguments: [{ name: "node", description: "the node id, as twostep status shows it", required: true }],
    options: () => [],
    mutates: true,
    examples: ['twostep decommission zone-b-7 --reason "host retired, INC-42" --yes', "twostep decommission zone-b-7 --dry-run"],
    load: async () => (await import("./commands/decommission/index.js")).decommission,
  },
  {
    name: "history",
    summary: "who changed what, when and why, with revisions before→after; oldest first",
    arguments: [capability(false, "only the changes of this capability")],
    options: () => [new Option("--limit <n>", "only the last n entries").argParser(parseCount), json()],
    mutates: false,
    examples: ["twostep history", "twostep history orders.OrderPlaced --limit 20 --json"],
    load: async () => (await import("./commands/history/index.js")).history,
  },
  {
    name: "watch",
    summary: "a live view: readers per level, progress towards the next level, recent changes",
    arguments: [capability(false, "follow only this capability")],
    options: () => [
      new Option("--interval <ms>", "poll the status every ms milliseconds").default(1000).argParser(parseCount),
      new Option("--for <seconds>", "stop after this many seconds (default: run until Ctrl-C)").argParser(parseSeconds),
      new Option("--lines", "print a line per change instead of redrawing (the default without a terminal)"),
      new Option("--json", "print one JSON event per line per change (shapes in docs/cli.md)"),
    ],
    mutates: false,
    examples: ["twostep watch orders.OrderPlaced", "twostep watch --lines --for 60 > rollout.log"],
    load: async () => (await import("./commands/watch/index.js")).watch,
  },
  {
    name: "apply",
    summary: "bring write levels to what a JSON file declares, through the same checks; idempotent",
    arguments: [{ name: "file", description: 'a JSON file: { "format": 1, "levels": { "orders.OrderPlaced": { "write": 2 } } }', required: true }],
    options: () => [],
    mutates: true,
    examples: ["twostep apply levels.json --dry-run", 'twostep apply levels.json --reason "release 42" --yes'],
    load: async () => (await import("./commands/apply/index.js")).apply,
  },
  {
    name: "check",
    summary: "CI: refuse a writer enabled before its reader shipped, a reader removed too early, a reused type id, an incompatible schema change",
    arguments: [
      {
        name: "compat",
        description: "the word compat: compare two directories of .proto files with buf's WIRE rules only, instead of the manifest with --base",
        required: false,
      },
      { name: "previous", description: "with compat: the directory of the .proto files as shipped", required: false },
      { name: "current", description: "with compat: the directory of the changed .proto files", required: false },
    ],
    options: () => [
      new Option("--base <ref>", "the git revision to compare with: a branch (origin/main), a tag or a commit (required, but not with compat)"),
      manifest(),
      new Option(
        "--fleet <url>",
        "the control plane (NATS) of the live fleet: a raised write target must also be read by every member (credentials and prefix: TWOSTEP_NATS_CREDS, TWOSTEP_NATS_USER, TWOSTEP_NATS_PASSWORD, TWOSTEP_NATS_PREFIX)",
      ),
      new Option("--format <format>", "how violations print (docs/check.md)").choices(["text", "json", "github"]).default("text"),
    ],
    mutates: false,
    connects: false,
    examples: [
      "twostep check --base origin/main",
      "twostep check --base origin/main --format github --fleet nats://nats:4222",
      "twostep check compat previous/schemas schemas",
    ],
    load: async () => (await import("./commands/check/index.js")).check,
  },
  {
    name: "snapshot",
    summary: "write (--write) or verify (--check, for CI: exit 1 when stale) the JSON Schema snapshots of the manifest's zod types",
    arguments: [],
    options: () => [
      new Option("--write", "regenerate the snapshots that are missing or stale"),
      new Option("--check", "write nothing; exit 1 when a snapshot is missing or stale"),
      new Option(
        "--bindings <module>",
        "the built module that exports the protocol's bindings (the zod schemas given to loadProtocol), relative to the working directory",
      ),
      new Option("--export <name>", "the bindings' export in that module (default: bindings, else the default export)"),
      manifest(),
      json(),
    ],
    mutates: false,
    connects: false,
    examples: [
      "twostep snapshot --write --bindings dist/protocol.js",
      "twostep snapshot --check --bindings examples/shop/dist/index.js --export shopBindings --manifest schemas/twostep.json",
    ],
    load: async () => (await import("./commands/snapshot/index.js")).snapshot,
  },
  {
    name: "generate",
    summary: "write the TypeScript types of every version of every message type of a manifest, and its typed protocol shape",
    arguments: [{ name: "manifest", description: "the protocol manifest (default: schemas/twostep.json)", required: false }],
    options: () => [
      new Option("--out <file>", "the TypeScript file to write (required), such as src/generated/protocol.ts"),
      new Option("--type-name <name>", "the name of the protocol shape type (default: the file name in PascalCase)"),
      new Option(
        "--zod <type=module>",
        "where a json type's zod schemas are exported, named <LastSegment>V<version> (or TYPE=MODULE#Export{version}); repeat per json type",
      ).argParser((value: string, previous: readonly string[] | undefined) => [...(previous ?? []), value]),
      new Option("--check", "write nothing; exit 1 when the file is missing or not current (for CI)"),
      json(),
    ],
    mutates: false,
    connects: false,
    examples: [
      "twostep generate schemas/twostep.json --out src/generated/protocol.ts --zod customers.CustomerUpdated=src/customer-updated.ts",
      "twostep generate schemas/twostep.json --out src/generated/protocol.ts --check",
    ],
    load: async () => (await import("./commands/generate/index.js")).generate,
  },
];

/** What {@link run} knows besides its arguments. */
export interface RunOptions {
  /** Printed by `--version`. */
  readonly version?: string;
}

/**
 * Runs the `twostep` command line (without the `node` and script
 * arguments) and returns the exit code: 0 done, 1 refused as unsafe or a
 * revision conflict (or not confirmed; for `check`, violations), 2 usage
 * error (for `check`, also input it cannot read), 3 control plane
 * unreachable or permission denied, 4 a bug. Never exits the process.
 */
export async function run(argv: readonly string[], context: CliContext, options: RunOptions = {}): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.Ok;
  let running: { command: string; json: boolean } | undefined;
  const program = new Command("twostep")
    .description("Change a message format across a fleet without breaking it: read first, then write.")
    .usage("<command> [options]")
    .exitOverride()
    .configureOutput({ writeOut: (text) => context.stdout.write(text), writeErr: (text) => context.stderr.write(text) })
    .showHelpAfterError("(add --help for usage)")
    .addHelpText("after", programHelp());
  if (options.version !== undefined) program.version(options.version, "-V, --version", "print the version");
  for (const spec of commands) {
    const command = program.command(spec.name).summary(spec.summary).description(`${spec.summary}.`);
    for (const argument of spec.arguments) {
      const name = argument.required ? `<${argument.name}>` : `[${argument.name}]`;
      if (argument.parse === undefined) command.argument(name, argument.description);
      else command.argument(name, argument.description, argument.parse);
    }
    for (const option of spec.options()) command.addOption(option);
    if (spec.mutates) for (const option of mutationOptions()) command.addOption(option);
    if (spec.connects !== false) for (const option of connectionOptions()) command.addOption(option);
    command.addHelpText("after", `\nExamples:\n${spec.examples.map((example) => `  $ ${example}`).join("\n")}\n`);
    command.action(async (...args: unknown[]) => {
      // Commander passes the positionals, then the options, then the command.
      const flags = args[spec.arguments.length] as Record<string, unknown>;
      const named = Object.fromEntries(spec.arguments.map((argument, index) => [argument.name, args[index]]).filter(([, value]) => value !== undefined));
      running = { command: spec.name, json: flags["json"] === true };
      const handler = await spec.load();
      exitCode = await handler({ ...flags, ...named } as never, context);
    });
  }
  // Commander shows the main help for `twostep nosuchcommand --help`; name the unknown command instead (exit 2).
  const first = argv[0];
  const unknownCommand = first !== undefined && !first.startsWith("-") && first !== "help" && !commands.some((spec) => spec.name === first);
  try {
    await program.parseAsync(unknownCommand ? [first] : [...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    // Loaded only on failure: `twostep --help` never pays for the fleet's schemas.
    const { reportError } = await import("./report-error.js");
    return reportError(error, context, { json: running?.json ?? false, ...(running === undefined ? {} : { command: running.command }) });
  }
  return exitCode;
}

function mutationOptions(): Option[] {
  return [
    new Option("--reason <text>", "why: recorded in the history with the change (required)"),
    new Option("--actor <name>", "who: recorded in the history (default: $GITHUB_ACTOR, else git's user.email, else user@host)"),
    new Option("-y, --yes", "go ahead without asking (required when stdin is not a terminal)"),
    new Option("--dry-run", "show what would happen and change nothing (exit 1 when it would be refused)"),
    json(),
  ].map((option) => option.helpGroup("Change options:"));
}

function connectionOptions(): Option[] {
  return [
    new Option("--nats <url>", `NATS server(s), comma-separated (env: TWOSTEP_NATS_URL; default: ${DEFAULT_NATS_URL})`),
    new Option("--creds <file>", "NATS credentials file (env: TWOSTEP_NATS_CREDS)"),
    new Option("--user <name>", "NATS user (env: TWOSTEP_NATS_USER)"),
    new Option("--password <secret>", "NATS password (env: TWOSTEP_NATS_PASSWORD)"),
    new Option("--prefix <name>", "prefix of the control plane's buckets on the server (env: TWOSTEP_NATS_PREFIX; default: twostep)"),
  ].map((option) => option.helpGroup("Connection options:"));
}

function programHelp(): string {
  return `
Exit codes:
  0  done (a dry run or plan: the change would be allowed; check: no violations)
  1  refused as unsafe (the blockers are listed), a revision conflict, or not confirmed; check: violations
  2  usage error: bad arguments, an invalid request, an invalid apply file, --yes missing without a terminal;
     check: input it cannot read (an unknown revision, an invalid manifest, a schema that does not parse)
  3  the control plane cannot be used: unreachable, not set up, or the credentials may not do this
  4  an unexpected error (a bug: please report it)

Examples:
  $ twostep status
  $ twostep plan orders.OrderPlaced 2
  $ twostep enable-write orders.OrderPlaced 2 --percent 5 --reason "canary"

Colour only on a terminal, never with NO_COLOR. Docs: docs/cli.md.
`;
}
