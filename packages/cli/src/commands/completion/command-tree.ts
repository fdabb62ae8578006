import type { Command } from "commander";

/** An option as shell completion sees it. */
export interface CompletionOption {
  /** Its spellings: `--json`, and `-y` besides `--yes`. */
  readonly names: readonly string[];
  readonly description: string;
  /** Whether a value follows it. */
  readonly takesValue: boolean;
  /** The values it takes, when it takes one of a list. */
  readonly choices: readonly string[];
}

/** A command, or the program itself, as shell completion sees it. */
export interface CompletionCommand {
  /** Its words after the program's name: none for the program, `["rollout", "start"]`. */
  readonly path: readonly string[];
  readonly summary: string;
  readonly options: readonly CompletionOption[];
  /** The values of its first argument, when it takes one of a list (`completion bash`). */
  readonly argumentChoices: readonly string[];
  readonly subcommands: readonly CompletionCommand[];
}

const HELP: CompletionOption = { names: ["-h", "--help"], description: "show the help", takesValue: false, choices: [] };

/** The command line of `program` as shell completion sees it: its commands, their subcommands, options and choices; `--help` everywhere. */
export function completionTree(program: Command): CompletionCommand {
  return describe(program, []);
}

/** Every command of `tree`, the program first, each before its subcommands. */
export function allCommands(tree: CompletionCommand): CompletionCommand[] {
  return [tree, ...tree.subcommands.flatMap(allCommands)];
}

function describe(command: Command, path: readonly string[]): CompletionCommand {
  return {
    path,
    summary: command.summary() || command.description(),
    options: [
      ...command.options
        .filter((option) => !option.hidden)
        .map((option) => ({
          names: [option.short, option.long].filter((name): name is string => name !== undefined),
          description: option.description,
          takesValue: option.required || option.optional,
          choices: option.argChoices ?? [],
        })),
      HELP,
    ],
    argumentChoices: command.registeredArguments[0]?.argChoices ?? [],
    subcommands: command.commands.map((subcommand) => describe(subcommand, [...path, subcommand.name()])),
  };
}
