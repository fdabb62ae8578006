import { isTwostepError } from "@twostep/core";

// How a call ended, for tests that check its failure: the error itself, the typed error, or the code.

/** The error `attempt` rejects with; throws when it resolves. */
export async function failure(attempt: Promise<unknown>): Promise<Error> {
  return attempt.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: Error) => error,
  );
}

/** The typed error `attempt` rejects with; throws when it resolves, and rethrows any other error. */
export async function typedFailure(attempt: Promise<unknown>): Promise<Error & { code: string }> {
  try {
    await attempt;
  } catch (error) {
    if (isTwostepError(error)) return error;
    throw error;
  }
  throw new Error("expected a typed error");
}

/** The code of the typed error `attempt` rejects with, or `resolved`; rethrows any other error. */
export async function codeOf(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
    return "resolved";
  } catch (error) {
    if (!isTwostepError(error)) throw error;
    return error.code;
  }
}
