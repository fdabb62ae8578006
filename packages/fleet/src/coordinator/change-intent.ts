import { randomUUID } from "node:crypto";
import type { EntryKey } from "../control-plane/entry-key.js";
import { UnsafeChangeError } from "../errors/fleet-errors.js";
import { AUTHOR_LIMITS, type ChangeAuthor } from "../records/change-note.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";
import type { ChangeSteps } from "./change-types.js";
import { levels } from "./change-wording.js";
import type { FleetView } from "./fleet-view.js";
import { lateBlockers } from "./late-blockers.js";
import type { ProposedChange } from "./propose-change.js";

/**
 * Commits the intent of a change, reads the fleet again as of it, and
 * either returns the intent's revision (to confirm on) or withdraws it,
 * recorded with the late blockers, and throws.
 */
export async function commitIntent(
  steps: ChangeSteps,
  capability: string,
  described: string,
  author: ChangeAuthor,
  base: WriteLevelRecord,
  revision: number,
  proposal: ProposedChange,
  format: number,
  before: FleetView,
): Promise<number> {
  const key: EntryKey = { kind: "level", capability };
  const id = randomUUID();
  const settled: WriteLevelRecord = { ...base, intent: null };
  const pending: WriteLevelRecord = {
    ...settled,
    intent: { levels: proposal.newlyRequired, retiring: proposal.retiring, id, at: before.now, actor: author.actor, reason: author.reason },
    change: steps.note("intent", author, described, revision, []),
  };
  const intent = await steps.plane.append(key, steps.formats.encode("level", pending, format), { expect: revision });
  const view = await steps.view(intent).catch(async (error: unknown) => {
    await abandonIntent(steps, capability, settled, described, author, intent, format, error);
    throw error;
  });
  const late = lateBlockers(capability, base, proposal, before, view);
  if (late.length === 0) return intent;
  const withdrawn: WriteLevelRecord = { ...settled, change: steps.note("withdraw", author, described, intent, late) };
  await steps.plane.append(key, steps.formats.encode("level", withdrawn, format), { expect: intent });
  throw new UnsafeChangeError(
    capability,
    `${described} of ${capability} was withdrawn: ${proposal.retiring.length > 0 ? "a member that may write the level" : `a member that does not read ${levels(proposal.newlyRequired)}`} appeared while it was being committed`,
    late,
  );
}

/**
 * Withdraws this coordinator's own intent after a step that followed it
 * failed (the control plane unreachable for a moment), so that a retry
 * need not wait for the intent to time out. Best effort, by
 * compare-and-set on the intent: if the failed step was stored after all,
 * or another change came meanwhile, that stands.
 */
export async function abandonIntent(
  steps: ChangeSteps,
  capability: string,
  settled: WriteLevelRecord,
  described: string,
  author: ChangeAuthor,
  intent: number,
  format: number,
  error: unknown,
): Promise<void> {
  const why = `${described} failed after its intent (${error instanceof Error ? error.message : String(error)})`;
  const note = steps.note(
    "withdraw",
    { actor: author.actor, reason: `${author.reason}${author.reason === "" ? "" : " / "}${why}`.slice(0, AUTHOR_LIMITS.reason) },
    described,
    intent,
    [],
  );
  await steps.plane
    .append({ kind: "level", capability }, steps.formats.encode("level", { ...settled, change: note }, format), { expect: intent })
    .catch(() => {});
}
