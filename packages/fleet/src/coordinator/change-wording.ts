import type { Blocker } from "../records/blocker.js";
import type { ChangeAction } from "../records/change-note.js";
import type { ProposedChange } from "./propose-change.js";
import type { WriteLevelRequest } from "./write-level-request.js";

/** The action a request is recorded as (a revert of a ramp is a guard's revert). */
export function actionOf(request: WriteLevelRequest): ChangeAction {
  switch (request.kind) {
    case "revert-ramp":
      return "guard-revert";
    default:
      return request.kind;
  }
}

/** Why a change is refused, in one line: its problems, or what its blockers have in common. */
export function refusal(capability: string, described: string, proposal: ProposedChange, blockers: readonly Blocker[], problems: readonly string[]): string {
  if (problems.length > 0) return `${described} of ${capability}: ${problems.join("; ")}`;
  const what = blockers.every((blocker) => blocker.reason === "no-writer" || blocker.reason === "keeps-writing")
    ? "some members would not write the new level afterwards"
    : proposal.retiring.length > 0
      ? `some members may still write v${proposal.retiring.join(", v")}`
      : `not every member reads ${levels(proposal.newlyRequired)}`;
  return `${described} of ${capability}: ${what}`;
}

/** `v1, v2`. */
export function levels(list: readonly number[]): string {
  return list.map((level) => `v${level}`).join(", ");
}

/** `options` without its undefined values (for `exactOptionalPropertyTypes`). */
export function definedOnly<T extends Record<string, unknown>>(options: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
