import { allCommands, type CompletionCommand } from "./command-tree.js";
import { caseBranch, optionValueBranches, posixQuote } from "./posix-case.js";

/**
 * The zsh completion script of `tree`: the bash script's reading of the
 * words typed so far, with the summaries of commands and options shown
 * beside them, and zsh's file names where nothing else completes.
 */
export function zshCompletion(tree: CompletionCommand): string {
  const commands = allCommands(tree);
  const named = commands.filter((command) => command.path.length > 0).map((command) => command.path.join(" "));
  // `name:description`, as _describe takes them.
  const entry = (name: string, description: string) => posixQuote(`${name.replaceAll(":", "\\:")}:${description}`);
  const branches = (entries: (command: CompletionCommand) => readonly string[]) =>
    commands
      .filter((command) => entries(command).length > 0)
      .map((command) => caseBranch("        ", [command.path.join(" ")], `described=(${entries(command).join(" ")})`));
  const values = optionValueBranches(commands, (choices) => `values=(${choices.map(posixQuote).join(" ")})`);
  return `#compdef twostep
# zsh completion of twostep. Save it as _twostep in a directory of $fpath, such as
# ~/.zfunc (with fpath+=(~/.zfunc) before compinit in ~/.zshrc):
#   twostep completion zsh > ~/.zfunc/_twostep
# or load it from ~/.zshrc, after compinit: source <(twostep completion zsh)
_twostep() {
  local command="" prev="\${words[CURRENT-1]}" i
  local -a described values
  for ((i = 2; i < CURRENT; i++)); do
    case "\${command:+$command }\${words[i]}" in
    ${named.map(posixQuote).join("|")}) command="\${command:+$command }\${words[i]}" ;;
    esac
  done
  case "$command|$prev" in
${values.join("\n")}
    *)
      if [[ "\${words[CURRENT]}" == -* ]]; then
        case "$command" in
${branches((command) => command.options.flatMap((option) => option.names.map((name) => entry(name, option.description)))).join("\n")}
        esac
        _describe -t options option described
      else
        case "$command" in
${branches((command) => [
  ...command.subcommands.map((subcommand) => entry(subcommand.path.at(-1)!, subcommand.summary)),
  ...command.argumentChoices.map((choice) => entry(choice, choice)),
]).join("\n")}
        esac
        if ((\${#described})); then _describe -t commands command described; else _files; fi
      fi
      return
      ;;
  esac
  if ((\${#values})); then compadd -a values; else _files; fi
}
if [[ "\${funcstack[1]}" == _twostep ]]; then
  _twostep "$@"
else
  compdef _twostep twostep
fi
`;
}
