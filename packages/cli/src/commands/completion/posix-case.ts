import type { CompletionCommand } from "./command-tree.js";

/** `text` single-quoted for bash and zsh. */
export function posixQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** One branch of a bash or zsh `case`: `'a'|'b') body ;;`, its patterns quoted, on one line at `indent`. */
export function caseBranch(indent: string, patterns: readonly string[], body: string): string {
  return `${indent}${patterns.map(posixQuote).join("|")}) ${body} ;;`;
}

/**
 * One `case` branch per option with choices, matching `<command path>|<option name>`
 * (an option without choices needs none: its value, like an argument, completes
 * to file names); `body` sets the shell's variable from the choices.
 */
export function optionValueBranches(commands: readonly CompletionCommand[], body: (choices: readonly string[]) => string): string[] {
  return commands.flatMap((command) =>
    command.options
      .filter((option) => option.choices.length > 0)
      .map((option) =>
        caseBranch(
          "    ",
          option.names.map((name) => `${command.path.join(" ")}|${name}`),
          body(option.choices),
        ),
      ),
  );
}
