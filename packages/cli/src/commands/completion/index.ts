import type { Command } from "commander";
import type { CliContext } from "../../cli-context.js";
import { ExitCode } from "../../exit-code.js";
import { bashCompletion } from "./bash-completion.js";
import { completionTree } from "./command-tree.js";
import { fishCompletion } from "./fish-completion.js";
import { zshCompletion } from "./zsh-completion.js";

/** Options of a `completion` handler. */
export interface CompletionOptions {
  readonly shell: "bash" | "zsh" | "fish";
}

const SCRIPTS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion } as const;

/**
 * `twostep completion bash|zsh|fish`: prints the shell's completion script
 * of `program`, the command line built from the command table: commands,
 * subcommands, options and their choices. Each script's first lines say
 * how to install it (docs/cli.md, "Shell completion").
 */
export function completion(program: Command): (options: CompletionOptions, context: CliContext) => Promise<ExitCode> {
  return async (options, context) => {
    context.stdout.write(SCRIPTS[options.shell](completionTree(program)));
    return ExitCode.Ok;
  };
}
