import { InvalidRequestError } from "../errors/fleet-errors.js";
import { AUTHOR_LIMITS, type ChangeAuthor } from "../records/change-note.js";

/** Refuses an actor or reason out of bounds before anything changes, saying what would do. */
export function checkAuthor(author: ChangeAuthor): void {
  if (author.actor.length === 0 || author.actor.length > AUTHOR_LIMITS.actor) {
    throw new InvalidRequestError(
      `the actor must have 1 to ${AUTHOR_LIMITS.actor} characters (it has ${author.actor.length}): name the person or job making the change`,
    );
  }
  if (author.reason.length > AUTHOR_LIMITS.reason) {
    throw new InvalidRequestError(`the reason has ${author.reason.length} characters, more than ${AUTHOR_LIMITS.reason}: link to a longer text instead`);
  }
}
