import type { ChangeAuthor, Coordinator } from "@twostep/fleet";
import { changeAuthor, type AuthorFlags } from "./change-author.js";
import type { CliContext } from "./cli-context.js";
import { DeclinedError, UsageError } from "./cli-errors.js";
import type { ConnectionFlags } from "./connection-options.js";
import { ExitCode } from "./exit-code.js";
import { styleFor, type Style } from "./render/style.js";
import { withCoordinator } from "./with-coordinator.js";
import { writeJson, writeLines } from "./write-output.js";

/** The flags every command that changes the fleet takes. */
export interface MutationFlags extends ConnectionFlags, AuthorFlags {
  /** Do it without asking. Required when stdin is not a terminal. */
  readonly yes?: boolean;
  /** Show what would happen and change nothing. */
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/** What a change would do, as the coordinator previews it. */
export interface MutationPreview {
  readonly lines: readonly string[];
  /** The `plan` of the `--json` output. */
  readonly json: unknown;
  /** False when it is already in force: nothing to confirm or do. */
  readonly changes: boolean;
  /** True when the coordinator would refuse it now. */
  readonly blocked: boolean;
}

/** What a change did. */
export interface MutationOutcome {
  readonly lines: readonly string[];
  /** The `change` of the `--json` output. */
  readonly json: unknown;
  readonly exitCode: ExitCode;
}

/** One command that changes the fleet: it previews, then commits through the coordinator. */
export interface Mutation {
  /** The command name, for messages (`enable-write`). */
  readonly command: string;
  /** What it does, in words, for the confirmation prompt: `enable v2 of orders.OrderPlaced`. */
  readonly what: string;
  /** `now` is the control plane's clock. */
  preview(coordinator: Coordinator, style: Style, now: () => number): Promise<MutationPreview>;
  /** `now` is the control plane's clock, as for {@link Mutation.preview}. */
  commit(coordinator: Coordinator, author: ChangeAuthor, style: Style, now: () => number): Promise<MutationOutcome>;
}

/**
 * The one procedure of every command that changes the fleet: check the
 * flags (`--reason`; `--yes` when no terminal can be asked), preview the
 * change, stop there for `--dry-run` (exit 1 when it would be refused) or
 * when it is already in force, ask for confirmation on a terminal, then
 * commit. With `--yes`, a change the coordinator would refuse is sent
 * without its preview: the refusal itself lists the blockers, and the
 * coordinator records it.
 */
export async function runMutation(flags: MutationFlags, context: CliContext, mutation: Mutation): Promise<ExitCode> {
  // No author for a dry run: it records nothing, so it needs no --reason.
  const author = flags.dryRun === true ? null : changeAuthor(flags, context, mutation.command);
  if (author !== null && flags.yes !== true && !context.stdinIsTTY) {
    throw new UsageError(
      `${mutation.command} changes the fleet and there is no terminal to confirm on: pass --yes to go ahead, or --dry-run to see what it would do`,
    );
  }
  const style = styleFor(context.stdout, context.env);
  const json = flags.json === true;
  return withCoordinator(
    flags,
    context,
    async (coordinator, now) => {
      const preview = await mutation.preview(coordinator, style, now);
      const dryRun = author === null;
      if (dryRun || !preview.changes) {
        if (json) writeJson(context.stdout, { dryRun, plan: preview.json, change: null });
        else writeLines(context.stdout, [...preview.lines, style.dim(dryRun ? "dry run: nothing changed" : "nothing changed")]);
        return dryRun && preview.blocked ? ExitCode.Refused : ExitCode.Ok;
      }
      // Nothing changes unasked: even a change that looks refused now is confirmed first, since the fleet may change meanwhile.
      const confirmed = flags.yes === true;
      if (!json && (!confirmed || !preview.blocked)) writeLines(context.stdout, preview.lines);
      if (!confirmed && !(await context.confirm(`${mutation.what}?`))) throw new DeclinedError(mutation.what);
      const outcome = await mutation.commit(coordinator, author, style, now);
      if (json) writeJson(context.stdout, { dryRun, plan: preview.json, change: outcome.json });
      else writeLines(context.stdout, outcome.lines);
      return outcome.exitCode;
    },
    { create: true },
  );
}
