import { isTwostepError, type TwostepError } from "@twostep/core";
import { expect } from "vitest";

/**
 * Runs `action`, expects it to throw a twostep error with `code` whose
 * message matches every pattern, and returns the error for more checks.
 */
export function expectTwostepError(action: () => unknown, code: string, ...patterns: readonly RegExp[]): TwostepError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  if (!isTwostepError(thrown, code)) {
    expect.fail(`expected a twostep error ${code}, got ${thrown === undefined ? "no error" : String(thrown)}`);
  }
  for (const pattern of patterns) expect(thrown.message).toMatch(pattern);
  return thrown;
}
