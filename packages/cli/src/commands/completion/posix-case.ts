/** `text` single-quoted for bash and zsh. */
export function posixQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** One branch of a bash or zsh `case`: `'a'|'b') body ;;`, its patterns quoted, on one line at `indent`. */
export function caseBranch(indent: string, patterns: readonly string[], body: string): string {
  return `${indent}${patterns.map(posixQuote).join("|")}) ${body} ;;`;
}
