import { allCommands, type CompletionCommand } from "./command-tree.js";
import { caseBranch, optionValueBranches, posixQuote } from "./posix-case.js";

/**
 * The bash completion script of `tree`. The command words typed so far
 * choose the command; then the value of an option completes from its
 * choices, a word starting with `-` from the command's options, another
 * word from its subcommands or its argument's choices, and anything else
 * from bash's file names (`complete -o default`).
 */
export function bashCompletion(tree: CompletionCommand): string {
  const commands = allCommands(tree);
  const named = commands.filter((command) => command.path.length > 0).map((command) => command.path.join(" "));
  const branches = (indent: string, words: (command: CompletionCommand) => readonly string[]) =>
    commands
      .filter((command) => words(command).length > 0)
      .map((command) => caseBranch(indent, [command.path.join(" ")], `words=${posixQuote(words(command).join(" "))}`));
  const values = optionValueBranches(commands, (choices) => `words=${posixQuote(choices.join(" "))}`);
  return `# bash completion of twostep. Load it from ~/.bashrc:
#   source <(twostep completion bash)
# or save it as ~/.local/share/bash-completion/completions/twostep.
_twostep() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" command="" words="" i
  ((COMP_CWORD > 1)) && prev="\${COMP_WORDS[COMP_CWORD - 1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${command:+$command }\${COMP_WORDS[i]}" in
    ${named.map(posixQuote).join("|")}) command="\${command:+$command }\${COMP_WORDS[i]}" ;;
    esac
  done
  COMPREPLY=()
  case "$command|$prev" in
${values.join("\n")}
    *)
      if [[ "$cur" == -* ]]; then
        case "$command" in
${branches("        ", (command) => command.options.flatMap((option) => option.names)).join("\n")}
        esac
      else
        case "$command" in
${branches("        ", (command) => [...command.subcommands.map((subcommand) => subcommand.path.at(-1)!), ...command.argumentChoices]).join("\n")}
        esac
      fi
      ;;
  esac
  # Words never hold spaces, so word splitting is what is wanted (and works in bash 3).
  [[ -n "$words" ]] && COMPREPLY=($(compgen -W "$words" -- "$cur"))
  return 0
}
complete -o default -F _twostep twostep
`;
}
