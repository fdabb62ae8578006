import { Argument, Command, CommanderError, Option } from "commander";
import { parseCount, parseDrainWindow, parseLabel, parseLevel, parseNumber, parsePort, parseSeconds } from "./arg-parsers.js";
import type { CliContext } from "./cli-context.js";
import { connectionFlagOptions, contextSettingOptions, EXAMPLE_CONTEXT_SETTINGS, EXAMPLE_FLEET_URL, fleetUrlOption } from "./connection-flags.js";
import { describeExitCodes, ExitCode } from "./exit-code.js";

/** A command's entry point: options (positionals included, by name) and the context. */
type Handler = (options: never, context: CliContext) => Promise<ExitCode>;

/** A positional argument of a command. */
interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  readonly parse?: (value: string) => unknown;
  /** The values it takes, when it takes one of a list. */
  readonly choices?: readonly string[];
}

/** One row of the command table. */
interface CommandSpec {
  /** The command's name; two words (`rollout start`) make a subcommand of a {@link COMMAND_GROUPS} entry. */
  readonly name: string;
  readonly summary: string;
  readonly arguments: readonly ArgumentSpec[];
  /** The command's own options; connection options (and for mutations the change options) are added to every one. */
  readonly options: () => readonly Option[];
  /** Whether it changes the fleet: then it takes --reason, --actor, --yes, --dry-run and --json. */
  readonly mutates: boolean;
  /** Whether it talks to the control plane: then it takes the connection options. Defaults to true. */
  readonly connects?: boolean;
  readonly examples: readonly string[];
  /**
   * Imports the command only when it runs, so `twostep status` never loads
   * `watch` or `apply`. Gets the program, for a command about the command
   * line itself (`completion`).
   */
  readonly load: (program: Command) => Promise<Handler>;
}

const contextName = (description: string, required = true): ArgumentSpec => ({ name: "name", description, required });
const capability = (required: boolean, description = "the capability, such as a message type (orders.OrderPlaced)"): ArgumentSpec => ({
  name: "capability",
  description,
  required,
});
const level = (description: string): ArgumentSpec => ({ name: "level", description, required: true, parse: parseLevel });
const json = () => new Option("--json", "print JSON instead of text (shapes in docs/cli.md)");
const summary = () =>
  new Option("--summary", "with --json: the members counted by kind, not listed (what the dashboard is drawn from), for fleets of thousands");
const byLabel = () => new Option("--by <label>", "group the members, and the blockers of each next level, by this label's value (zone, region, ...)");
const manifest = () => new Option("--manifest <path>", "the protocol manifest, relative to the working directory (default: schemas/twostep.json)");
const ramp = () => [
  new Option("--percent <n>", "share of writes at the level, above 0 and at most 100; below 100 it is a ramp (default: 100)").argParser(parseNumber),
  new Option("--by <what>", "what a ramp's share hashes on (default: key)").choices(["key", "node"]),
  new Option(
    "--where <label=values>",
    "only nodes with this label (one of the comma-separated values) write the level; repeat for more labels (all must match); readers stay fleet-wide",
  ).argParser(parseLabel),
];
const declared = () => [
  new Option("--manifest <file>", "the protocol manifest: the levels it declares count as declared (such as schemas/twostep.json)"),
  new Option("--allow-undeclared", "enable a capability or level that no member and no manifest declares (a new capability before any node runs)"),
];

/** The command table: one row per command, each in `src/commands/<name>/index.ts`. */
const commands: readonly CommandSpec[] = [
  {
    name: "status",
    summary:
      "the control plane and its store; per capability: write state, ramp, drain window, readers, who applied it, who blocks the next level; nodes by service and build",
    arguments: [capability(false, "show only this capability")],
    options: () => [byLabel(), json(), summary()],
    mutates: false,
    examples: ["twostep status", "twostep status orders.OrderPlaced --json", "twostep status --by zone", "twostep status --json --summary"],
    load: async () => (await import("./commands/status/index.js")).status,
  },
  {
    name: "plan",
    summary: "what enabling a level would do, how many members take part, and who or what blocks it; changes nothing (exit 1 when it would be refused)",
    arguments: [capability(true), level("the level to enable, such as 2 or v2")],
    options: () => [...ramp(), ...declared(), json()],
    mutates: false,
    examples: [
      "twostep plan orders.OrderPlaced 2",
      "twostep plan orders.OrderPlaced 2 --percent 10 --by node --where zone=eu-1",
      "twostep plan billing.InvoiceSent 1 --manifest schemas/twostep.json",
    ],
    load: async () => (await import("./commands/plan/index.js")).plan,
  },
  {
    name: "enable-write",
    summary: "set the write level (or ramp a share of writes, of nodes with some labels, to it) once every member reads it",
    arguments: [capability(true), level("the level writers should use, such as 2 or v2")],
    options: () => [...ramp(), ...declared()],
    mutates: true,
    examples: [
      'twostep enable-write orders.OrderPlaced 2 --percent 5 --reason "canary, OPS-123"',
      'twostep enable-write orders.OrderPlaced 2 --percent 100 --where zone=eu-1 --reason "wave 1" --yes',
      'twostep enable-write billing.InvoiceSent 1 --manifest schemas/twostep.json --reason "new type" --yes',
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
    name: "adopt",
    summary: "the explicit, recorded first write level of traffic that existed before twostep, checked like any enable",
    arguments: [capability(true), level("the level its writers write today, such as 1 or v1")],
    options: () => declared(),
    mutates: true,
    examples: [
      'twostep adopt orders.OrderPlaced 1 --reason "adopt twostep on live traffic" --yes',
      "twostep adopt orders.OrderPlaced 1 --manifest schemas/twostep.json --dry-run",
    ],
    load: async () => (await import("./commands/adopt/index.js")).adopt,
  },
  {
    name: "forget",
    summary: "remove the record of a capability that no member reads or writes (refused while a member's build declares it)",
    arguments: [capability(true)],
    options: () => [],
    mutates: true,
    examples: ['twostep forget billing.InvoiceIsued --reason "typo, enabled by mistake" --yes'],
    load: async () => (await import("./commands/forget/index.js")).forget,
  },
  {
    name: "policy",
    summary: "store a capability's drain window: how long a level must be unwritten before it may be retired (status shows it)",
    arguments: [capability(true)],
    options: () => [
      new Option("--drain-window <duration>", "a duration such as 90s, 30m, 1h or 500ms, or default (1 h)").argParser(parseDrainWindow).makeOptionMandatory(),
    ],
    mutates: true,
    examples: [
      'twostep policy orders.OrderPlaced --drain-window 30m --reason "queues drain in minutes" --yes',
      'twostep policy orders.OrderPlaced --drain-window default --reason "back to the default" --yes',
    ],
    load: async () => (await import("./commands/policy/index.js")).policy,
  },
  {
    name: "decommission",
    summary: "remove a member that is gone for good (refused while its lease may still run)",
    arguments: [{ name: "node", description: "the node id, as twostep status shows it", required: true }],
    options: () => [new Option("--incarnation <id>", "only this process start of the node (its id or a prefix, as twostep status shows it)")],
    mutates: true,
    examples: ['twostep decommission zone-b-7 --reason "host retired, INC-42" --yes', "twostep decommission zone-b-7 --incarnation 3f2a9c01 --dry-run"],
    load: async () => (await import("./commands/decommission/index.js")).decommission,
  },
  {
    name: "init",
    summary: "set up the control plane's identity (the first change does it too); says whether it created it or found it",
    arguments: [],
    options: () => [
      new Option(
        "--mode <mode>",
        "who writes the records: release managers (direct), or only the rollout controller, to which other changes are submitted as requests (controller); set once (default: direct)",
      ).choices(["direct", "controller"]),
    ],
    mutates: true,
    examples: [
      'twostep init --reason "new fleet" --yes',
      'twostep init --mode controller --reason "changes only through the controller" --yes',
      "twostep init --dry-run",
    ],
    load: async () => (await import("./commands/init/index.js")).init,
  },
  {
    name: "reconcile",
    summary: "after the store went backwards or a record was damaged: show the evidence, rebuild the records, move to a new epoch",
    arguments: [],
    options: () => [],
    mutates: true,
    examples: ["twostep reconcile --dry-run", 'twostep reconcile --reason "store restored from backup, INC-77"'],
    load: async () => (await import("./commands/reconcile/index.js")).reconcile,
  },
  {
    name: "history",
    summary: "every change as recorded with it: who, when, why, revisions before→after; refusals, withdrawals, decommissions, policy, reconcile; oldest first",
    arguments: [capability(false, "only the changes of this capability")],
    options: () => [new Option("--limit <n>", "only the last n entries").argParser(parseCount), json()],
    mutates: false,
    examples: ["twostep history", "twostep history orders.OrderPlaced --limit 20 --json"],
    load: async () => (await import("./commands/history/index.js")).history,
  },
  {
    name: "watch",
    summary: "a live view: readers per level, who applied the record, progress towards the next level, recent changes",
    arguments: [capability(false, "follow only this capability")],
    options: () => [
      new Option("--interval <ms>", "poll the status every ms milliseconds").default(1000).argParser(parseCount),
      new Option("--for <seconds>", "stop after this many seconds (default: run until Ctrl-C)").argParser(parseSeconds),
      new Option("--lines", "print a line per change instead of redrawing (the default without a terminal)"),
      new Option("--json", "print one JSON event per line per change (shapes in docs/cli.md)"),
      byLabel(),
    ],
    mutates: false,
    examples: ["twostep watch orders.OrderPlaced", "twostep watch --by zone", "twostep watch --lines --for 60 > rollout.log"],
    load: async () => (await import("./commands/watch/index.js")).watch,
  },
  {
    name: "dashboard",
    summary:
      "a read-only web page for release managers, updated live: readiness per level, write level, ramp and rollout step, convergence, drain, blockers, history",
    arguments: [],
    options: () => [
      new Option("--port <n>", "the port to listen on; 0 takes a free one (default: 4280)").argParser(Number),
      new Option(
        "--host <address>",
        "the address to listen on (default: 127.0.0.1, loopback: this machine only); an address other machines reach is refused unless named here, " +
          "and then whoever reaches it reads the fleet's state (the page has no login); not 0.0.0.0 or ::, whose Host headers cannot be checked",
      ),
      new Option("--interval <ms>", "read the status every ms milliseconds").default(1000).argParser(parseCount),
    ],
    mutates: false,
    examples: ["twostep dashboard", "twostep dashboard --port 8080", "twostep dashboard --host 10.0.0.5 --port 4280"],
    load: async () => (await import("./commands/dashboard/index.js")).dashboard,
  },
  {
    name: "apply",
    summary:
      "bring write levels to what a JSON file declares, or to the manifest's write targets (--manifest), through the same checks as enable-write; idempotent",
    arguments: [
      {
        name: "file",
        description: 'a JSON file: { "format": 1, "levels": { "orders.OrderPlaced": { "write": 2 } } } (or, without it, --manifest\'s write targets)',
        required: false,
      },
    ],
    options: () => [
      new Option(
        "--manifest <file>",
        "the protocol manifest: without a file, bring each type to its writeTarget (types without one, and retirements, are left alone); either way its versions count as declared",
      ),
      new Option("--allow-undeclared", "with a file: enable a capability or level that no member declares (a new capability before any node runs)"),
      new Option("--allow-rollback", "with --manifest: also make a writeTarget below what the fleet writes (a rollback); without it, that type is refused"),
    ],
    mutates: true,
    examples: [
      "twostep apply levels.json --dry-run",
      'twostep apply levels.json --reason "release 42" --yes',
      "twostep apply --manifest schemas/twostep.json --dry-run",
      'twostep apply --manifest schemas/twostep.json --reason "release 42" --yes',
    ],
    load: async () => (await import("./commands/apply/index.js")).apply,
  },
  {
    name: "diff",
    summary:
      "where the manifest and the live fleet disagree: write target against write level and ramp, retired levels, versions no member reads, capabilities it does not declare (exit 1 when they differ)",
    arguments: [],
    options: () => [manifest(), json()],
    mutates: false,
    examples: ["twostep diff", "twostep diff --manifest services/shop/schemas/twostep.json --json"],
    load: async () => (await import("./commands/diff/index.js")).diff,
  },
  {
    name: "rollout start",
    summary: "start a rollout plan (a JSON file: steps, bakes, gates); shows the plan and its first step's dry run, refused while that step would be",
    arguments: [capability(true)],
    options: () => [new Option("--plan <file>", "the plan, a JSON file relative to the working directory (format in docs/rollouts.md)").makeOptionMandatory()],
    mutates: true,
    examples: [
      "twostep rollout start orders.OrderPlaced --plan rollout.json --dry-run",
      'twostep rollout start orders.OrderPlaced --plan rollout.json --reason "v2, OPS-123" --yes',
    ],
    load: async () => (await import("./commands/rollout/start/index.js")).rolloutStart,
  },
  {
    name: "rollout status",
    summary: "where each rollout stands: its step, bake and the last verdict of each gate; who holds the controller lease, until when",
    arguments: [capability(false, "show only the rollout of this capability")],
    options: () => [json()],
    mutates: false,
    examples: ["twostep rollout status", "twostep rollout status orders.OrderPlaced --json"],
    load: async () => (await import("./commands/rollout/status/index.js")).rolloutStatus,
  },
  {
    name: "rollout pause",
    summary: "pause a rollout: the controller leaves it where it stands (its writers keep writing as they do)",
    arguments: [capability(true)],
    options: () => [],
    mutates: true,
    examples: ['twostep rollout pause orders.OrderPlaced --reason "holiday freeze" --yes'],
    load: async () => (await import("./commands/rollout/pause/index.js")).rolloutPause,
  },
  {
    name: "rollout resume",
    summary: "resume a paused rollout where it stands",
    arguments: [capability(true)],
    options: () => [],
    mutates: true,
    examples: ['twostep rollout resume orders.OrderPlaced --reason "freeze over" --yes'],
    load: async () => (await import("./commands/rollout/resume/index.js")).rolloutResume,
  },
  {
    name: "rollout promote",
    summary: "move a rollout to its next step now, without waiting for the bake (the gates still judge that step); the last step: done",
    arguments: [capability(true)],
    options: () => [],
    mutates: true,
    examples: ['twostep rollout promote orders.OrderPlaced --reason "canary clean for a day" --yes'],
    load: async () => (await import("./commands/rollout/promote/index.js")).rolloutPromote,
  },
  {
    name: "rollout abort",
    summary: "abort a rollout: its writers go back (the ramp dropped, or the level set back to where it started), then it stops",
    arguments: [capability(true)],
    options: () => [],
    mutates: true,
    examples: ["twostep rollout abort orders.OrderPlaced --dry-run", 'twostep rollout abort orders.OrderPlaced --reason "errors in the canary" --yes'],
    load: async () => (await import("./commands/rollout/abort/index.js")).rolloutAbort,
  },
  {
    name: "rollout retry",
    summary: "start the step at which a rollout failed or was aborted again",
    arguments: [capability(true)],
    options: () => [],
    mutates: true,
    examples: ['twostep rollout retry orders.OrderPlaced --reason "fixed build deployed" --yes'],
    load: async () => (await import("./commands/rollout/retry/index.js")).rolloutRetry,
  },
  {
    name: "controller",
    summary: "run the rollout controller until Ctrl-C or SIGTERM (then it gives its lease up): it advances rollout plans while it holds the lease",
    arguments: [],
    options: () => [
      new Option("--lease <seconds>", "how long its lease lasts unrenewed: another controller takes over after it (default: 15)").argParser(parseSeconds),
      new Option("--tick <ms>", "how often it looks: renews the lease, judges the rollouts that are due (default: 1000)").argParser(parseCount),
      new Option("--metrics-port <n>", "serve the fleet's Prometheus metrics on 127.0.0.1:n/metrics (0: any free port, printed)").argParser(parsePort),
      new Option("--json", "print one JSON event per line (shapes in docs/cli.md)"),
    ],
    mutates: false,
    examples: ["twostep controller", "twostep controller --lease 30 --metrics-port 9465 --json >> controller.log"],
    load: async () => (await import("./commands/controller/index.js")).controller,
  },
  {
    name: "context add",
    summary: "store a named connection to a control plane (server, credentials, TLS, prefix), or change the settings given of the one of that name",
    arguments: [contextName("the context's name: letters, digits, '.', '_' or '-'")],
    options: () => [...contextSettingOptions(), new Option("--description <text>", "what the context connects to, shown by twostep context list")],
    mutates: false,
    connects: false,
    examples: [`twostep context add prod ${EXAMPLE_CONTEXT_SETTINGS} --description "production fleet"`, "twostep context add prod --prefix fleet2"],
    load: async () => (await import("./commands/context/add/index.js")).contextAdd,
  },
  {
    name: "context list",
    summary: "the stored connection contexts, the current one marked with *",
    arguments: [],
    options: () => [json()],
    mutates: false,
    connects: false,
    examples: ["twostep context list", "twostep context list --json"],
    load: async () => (await import("./commands/context/list/index.js")).contextList,
  },
  {
    name: "context show",
    summary: "a connection context's settings (secrets masked), description and file",
    arguments: [contextName("the context (default: the one TWOSTEP_CONTEXT names, else the current one)", false)],
    options: () => [json()],
    mutates: false,
    connects: false,
    examples: ["twostep context show prod", "twostep context show --json"],
    load: async () => (await import("./commands/context/show/index.js")).contextShow,
  },
  {
    name: "context use",
    summary: "make a connection context the current one: commands connect through it unless --context or TWOSTEP_CONTEXT names another",
    arguments: [contextName("the context")],
    options: () => [],
    mutates: false,
    connects: false,
    examples: ["twostep context use prod"],
    load: async () => (await import("./commands/context/use/index.js")).contextUse,
  },
  {
    name: "context remove",
    summary: "delete a connection context (when it was the current one, none is current any more)",
    arguments: [contextName("the context")],
    options: () => [],
    mutates: false,
    connects: false,
    examples: ["twostep context remove staging"],
    load: async () => (await import("./commands/context/remove/index.js")).contextRemove,
  },
  {
    name: "completion",
    summary: "print the shell completion script of twostep's commands and options, with how to install it at its top",
    arguments: [{ name: "shell", description: "the shell", required: true, choices: ["bash", "zsh", "fish"] }],
    options: () => [],
    mutates: false,
    connects: false,
    examples: [
      "twostep completion bash > ~/.local/share/bash-completion/completions/twostep",
      "twostep completion zsh > ~/.zfunc/_twostep",
      "twostep completion fish > ~/.config/fish/completions/twostep.fish",
    ],
    load: async (program) => (await import("./commands/completion/index.js")).completion(program),
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
      new Option("--format <format>", "how violations print (docs/check.md)").choices(["text", "json", "github"]).default("text"),
      fleetUrlOption(),
    ],
    mutates: false,
    connects: false,
    examples: [
      "twostep check --base origin/main",
      `twostep check --base origin/main --format github --fleet ${EXAMPLE_FLEET_URL}`,
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

/** Commands that only group subcommands (`twostep rollout start`), with their summaries. */
const COMMAND_GROUPS: Readonly<Record<string, string>> = {
  rollout: "rollout plans: start, status, pause, resume, promote, abort, retry (a controller advances them: twostep controller)",
  context: "named connections to control planes: add, list, show, use, remove (commands take --context NAME)",
};

/** What {@link run} knows besides its arguments. */
export interface RunOptions {
  /** Printed by `--version`. */
  readonly version?: string;
}

/**
 * Runs the `twostep` command line (without the `node` and script
 * arguments) and returns the exit code (see `ExitCode`: 0 done, 1 refused,
 * 2 usage error, 3 control plane unavailable, 4 a bug). Never exits the
 * process.
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
  const groups = new Map<string, Command>();
  for (const spec of commands) {
    const command = addCommand(program, groups, spec.name).summary(spec.summary).description(`${spec.summary}.`);
    for (const argument of spec.arguments) {
      const added = new Argument(argument.required ? `<${argument.name}>` : `[${argument.name}]`, argument.description);
      if (argument.parse !== undefined) added.argParser(argument.parse);
      if (argument.choices !== undefined) added.choices(argument.choices);
      command.addArgument(added);
    }
    for (const option of spec.options()) command.addOption(option);
    if (spec.mutates) for (const option of mutationOptions()) command.addOption(option);
    if (spec.connects !== false) for (const option of connectionFlagOptions()) command.addOption(option);
    command.addHelpText("after", `\nExamples:\n${spec.examples.map((example) => `  $ ${example}`).join("\n")}\n`);
    command.action(async (...args: unknown[]) => {
      // Commander passes the positionals, then the options, then the command.
      const flags = args[spec.arguments.length] as Record<string, unknown>;
      const named = Object.fromEntries(spec.arguments.map((argument, index) => [argument.name, args[index]]).filter(([, value]) => value !== undefined));
      running = { command: spec.name, json: flags["json"] === true };
      const handler = await spec.load(program);
      exitCode = await handler({ ...flags, ...named } as never, context);
    });
  }
  // Commander shows the main help for `twostep nosuchcommand --help`; name the unknown command instead (exit 2).
  const first = argv[0];
  const unknownCommand = first !== undefined && !first.startsWith("-") && first !== "help" && !commands.some((spec) => spec.name.split(" ")[0] === first);
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

/** Adds the command `name` to `program`; a two-word name is a subcommand of its group, made once. */
function addCommand(program: Command, groups: Map<string, Command>, name: string): Command {
  const [group = name, sub] = name.split(" ");
  if (sub === undefined) return program.command(name);
  let parent = groups.get(group);
  if (parent === undefined) {
    const summary = COMMAND_GROUPS[group] ?? group;
    parent = program.command(group).summary(summary).description(`${summary}.`);
    groups.set(group, parent);
  }
  return parent.command(sub);
}

/** The longest --actor and --reason the coordinator accepts (`AUTHOR_LIMITS` of @twostep/fleet, not imported so that --help does not load the fleet). */
const AUTHOR_LIMITS_IN_HELP = { actor: 200, reason: 2_000 } as const;

function mutationOptions(): Option[] {
  return [
    new Option("--reason <text>", `why: recorded in the history with the change (required; at most ${AUTHOR_LIMITS_IN_HELP.reason} characters)`),
    new Option(
      "--actor <name>",
      `who: recorded in the history (1 to ${AUTHOR_LIMITS_IN_HELP.actor} characters; default: $GITHUB_ACTOR, else git's user.email, else user@host)`,
    ),
    new Option("-y, --yes", "go ahead without asking (required when stdin is not a terminal)"),
    new Option("--dry-run", "show what would happen and change nothing (exit 1 when it would be refused)"),
    json(),
  ].map((option) => option.helpGroup("Change options:"));
}

function programHelp(): string {
  return `
Exit codes:
${describeExitCodes().join("\n")}

Examples:
  $ twostep status
  $ twostep plan orders.OrderPlaced 2
  $ twostep enable-write orders.OrderPlaced 2 --percent 5 --reason "canary"

Colour only on a terminal, never with NO_COLOR. Docs: docs/cli.md.
`;
}
