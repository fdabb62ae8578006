/** `text` parsed as JSON, or the error `fail` makes of why it is not (the parser's message, and its error as the cause). */
export function parseJsonText(text: string, fail: (reason: string, cause: unknown) => Error): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error), error);
  }
}
