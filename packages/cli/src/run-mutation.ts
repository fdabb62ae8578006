import type { ChangeAuthor, Coordinator } from "@twostep/fleet";
import { type AuthorFlags, changeAuthor } from "./change-author.js";
import type { CliContext } from "./cli-context.js";
import { DeclinedError, UsageError } from "./cli-errors.js";
import type { ConnectionFlags } from "./connection-flags.js";
import { ExitCode } from "./exit-code.js";
import { styleFor } from "./render/style.js";
import { escapeControls } from "./render/terminal-safe.js";
import { withCoordinator } from "./with-coordinator.js";
import { type View, writeJson, writeLines, writeView } from "./write-output.js";

/** The flags every command that changes the fleet takes. */
export interface MutationFlags extends ConnectionFlags, AuthorFlags {
  /** Do it without asking. Required when stdin is not a terminal. */
  readonly yes?: boolean;
  /** Show what would happen and change nothing. */
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/** What a change would do, as the coordinator tells it. */
export interface MutationPreview {
  readonly view: View;
  /** The `plan` of the `--json` output. */
  readonly json: unknown;
  /** False when it is already in force: nothing to confirm or do. */
  readonly changes: boolean;
  /** True when the coordinator would refuse it now. */
  readonly refused: boolean;
}

/** What a change did. */
export interface MutationOutcome {
  readonly view: View;
  /** The `change` of the `--json` output. */
  readonly json: unknown;
  readonly exitCode: ExitCode;
}

/** One command that changes the fleet: what it would do, then doing it, both through the coordinator. */
export interface Mutation {
  /** The command name, for messages (`enable-write`). */
  readonly command: string;
  /** What it does, in words, for the confirmation prompt: `orders.OrderPlaced: enable v2`. */
  readonly what: string;
  /** `author` is who asks (for a dry run, with the reason given, maybe none). */
  preview(coordinator: Coordinator, author: ChangeAuthor): Promise<MutationPreview>;
  commit(coordinator: Coordinator, author: ChangeAuthor): Promise<MutationOutcome>;
}

/**
 * The one procedure of every command that changes the fleet: check the
 * flags (`--reason`; `--yes` when no terminal can be asked), show what the
 * change would do, stop there for `--dry-run` (exit 1 when it would be
 * refused) or when it is already in force, ask for confirmation on a
 * terminal, then make it. With `--yes`, a change the coordinator would
 * refuse is sent without its preview: the refusal itself lists the
 * blockers, and the coordinator records it.
 */
export async function runMutation(flags: MutationFlags, context: CliContext, mutation: Mutation): Promise<ExitCode> {
  const dryRun = flags.dryRun === true;
  // A dry run records nothing, so it needs no --reason; the coordinator still checks the author's length.
  const author = changeAuthor(flags, context, mutation.command, { optional: dryRun });
  if (!dryRun && flags.yes !== true && !context.stdinIsTTY) {
    throw new UsageError(
      `${mutation.command} changes the fleet and there is no terminal to confirm on: pass --yes to go ahead, or --dry-run to see what it would do`,
    );
  }
  const style = styleFor(context.stdout, context.env);
  const json = flags.json === true;
  return withCoordinator(
    flags,
    context,
    async (coordinator) => {
      const preview = await mutation.preview(coordinator, author);
      if (dryRun || !preview.changes) {
        if (json) writeJson(context.stdout, { dryRun, plan: preview.json, change: null });
        else {
          writeView(context.stdout, preview.view, style);
          writeLines(context.stdout, [style.dim(dryRun ? "dry run: nothing changed" : "nothing changed")]);
        }
        return dryRun && preview.refused ? ExitCode.Refused : ExitCode.Ok;
      }
      // Nothing changes unasked: even a change that looks refused now is confirmed first, since the fleet may change meanwhile.
      const confirmed = flags.yes === true;
      if (!json && (!confirmed || !preview.refused)) writeView(context.stdout, preview.view, style);
      if (!confirmed && !(await context.confirm(`${escapeControls(mutation.what)}?`))) throw new DeclinedError(mutation.what);
      const outcome = await mutation.commit(coordinator, author);
      if (json) writeJson(context.stdout, { dryRun, plan: preview.json, change: outcome.json });
      else writeView(context.stdout, outcome.view, style);
      return outcome.exitCode;
    },
    { create: true },
  );
}
