import { InvalidRequestError } from "@twostep/fleet/control-plane";

/** Throws `InvalidRequestError` unless `value` is a whole number of at least `min`; `what` names it in the message. */
export function checkWhole(what: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new InvalidRequestError(`${what} ${value} is not a whole number of ${min} or more`);
}

/** Throws `InvalidRequestError` unless `expect` is a revision to compare with (0: none yet). */
export function checkRevision(expect: number, operation: string): void {
  checkWhole(`${operation}: expected revision`, expect, 0);
}
