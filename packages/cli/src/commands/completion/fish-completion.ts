import { allCommands, type CompletionCommand, type CompletionOption } from "./command-tree.js";

/**
 * The fish completion script of `tree`: a helper reads the command words
 * typed so far, and each command's subcommands, argument choices and
 * options complete only there, with their summaries; option values from
 * their choices, else file names.
 */
export function fishCompletion(tree: CompletionCommand): string {
  const commands = allCommands(tree);
  const named = commands.filter((command) => command.path.length > 0).map((command) => fishQuote(command.path.join(" ")));
  const lines = commands.flatMap((command) => {
    const at = `-n ${fishQuote(`__twostep_at ${fishQuote(command.path.join(" "))}`)}`;
    return [
      ...command.subcommands.map((subcommand) => `complete -c twostep -f ${at} -a ${fishQuote(subcommand.path.at(-1)!)} -d ${fishQuote(subcommand.summary)}`),
      ...command.argumentChoices.map((choice) => `complete -c twostep -f ${at} -a ${fishQuote(choice)}`),
      ...command.options.map((option) => `complete -c twostep ${at} ${optionSpec(option)} -d ${fishQuote(option.description)}`),
    ];
  });
  return `# fish completion of twostep. Save it where fish finds it:
#   twostep completion fish > ~/.config/fish/completions/twostep.fish
function __twostep_command --description 'the twostep command words typed so far'
    set -l words (commandline -opc)
    set -e words[1]
    set -l command
    for word in $words
        switch (string join ' ' -- $command $word)
            case ${named.join(" ")}
                set command $command $word
        end
    end
    string join ' ' -- $command
end
function __twostep_at --description 'whether the twostep command typed so far is the one given'
    set -l command (__twostep_command)
    test "$command" = "$argv[1]"
end
${lines.join("\n")}
`;
}

/** The flags of `complete` for an option: its names, and what its value completes from. */
function optionSpec(option: CompletionOption): string {
  const names = option.names.map((name) => (name.startsWith("--") ? `-l ${name.slice(2)}` : `-s ${name.slice(1)}`)).join(" ");
  if (!option.takesValue) return names;
  return option.choices.length > 0 ? `${names} -x -a ${fishQuote(option.choices.join(" "))}` : `${names} -r -F`;
}

/** `text` single-quoted for fish, where a backslash escapes a quote and itself. */
function fishQuote(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}
