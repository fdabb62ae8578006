import type { ChangeAuthor } from "@twostep/fleet";
import type { CliContext } from "./cli-context.js";
import { UsageError } from "./cli-errors.js";

/** The flags that say who changes the fleet and why. */
export interface AuthorFlags {
  readonly reason?: string;
  readonly actor?: string;
}

/**
 * Who asks for a change and why, both recorded in the history: `--reason`
 * is required unless `optional` (a dry run records nothing; a change
 * without a why helps nobody at 3 a.m.); the actor is `--actor`, else the
 * CI job's GitHub user, git's `user.email` or user@host. Their lengths are the coordinator's to check, before it
 * changes anything.
 */
export function changeAuthor(flags: AuthorFlags, context: CliContext, command: string, options: { readonly optional?: boolean } = {}): ChangeAuthor {
  const reason = flags.reason?.trim() ?? "";
  if (reason === "" && options.optional !== true) {
    throw new UsageError(`${command} changes the fleet and records why: pass --reason "TEXT" (such as a ticket or "canary for v2")`);
  }
  const actor = flags.actor?.trim() || context.defaultActor();
  return { actor, reason };
}
