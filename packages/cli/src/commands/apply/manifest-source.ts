import type { Manifest } from "@twostep/core";
import { type Coordinator, type FleetStatus, type RolloutState, type WriteLevelRecord, type WriteLevelRequest, writtenLevels } from "@twostep/fleet";
import { type HeldBackError, RollbackNotAllowedError, RolloutUnderWayError, WriteTargetRetiredError } from "../../cli-errors.js";
import { diffManifest, type ManifestDiff } from "../../manifest-diff.js";
import { declaredLevels } from "../../read-manifest.js";
import { describeUnknownCapability, retireAdvice } from "../../render/diff-view.js";
import { describeWriteState } from "../../render/write-state.js";
import type { ApplySource, ApplyStep, LeftAlone } from "./apply-mutation.js";

/** The states of a rollout plan whose controller still moves the writers. */
const UNDER_WAY: readonly RolloutState[] = ["running", "holding", "paused"];

/**
 * `twostep apply --manifest FILE`: brings each type's write level to the
 * manifest's `writeTarget`, the manifest's versions counting as declared.
 * A target above what the fleet writes (or the first one) is an
 * `enable-write`; one below a level the fleet writes is a rollback, a
 * `disable-write` to it, held back unless `allowRollback`. Held back too: a
 * target the fleet retired, and a type whose rollout plan is under way.
 * Left alone, and shown: types without a target, capabilities the manifest
 * does not declare, and levels the manifest retires that the fleet still
 * requires (apply never retires: `twostep retire` checks the drain).
 */
export function manifestSource(path: string, manifest: Manifest, allowRollback: boolean): ApplySource {
  const targets = new Map(manifest.types.flatMap((type) => (type.writeTarget === undefined ? [] : [[type.name, type.writeTarget] as const])));
  // A step of `capability` with `request`, held back or not on the fleet of `status`.
  const judge = async (coordinator: Coordinator, status: FleetStatus, capability: string, request: WriteLevelRequest): Promise<ApplyStep> => {
    const held = await holdOf(coordinator, capability, targets.get(capability)!, recordOf(status, capability), allowRollback);
    return { capability, request, ...(held === undefined ? {} : { held }) };
  };
  return {
    path,
    kind: "manifest",
    declared: { declared: declaredLevels(manifest) },
    async plan(coordinator) {
      const status = await coordinator.status();
      const steps = await Promise.all(
        [...targets].map(([capability, target]) => judge(coordinator, status, capability, requestFor(recordOf(status, capability), target))),
      );
      return { steps, leftAlone: leftAloneOf(diffManifest(manifest, status)) };
    },
    async recheck(coordinator, previewed) {
      // The requests stay the ones confirmed; only whether each is held back is judged again.
      const status = await coordinator.status();
      return Promise.all(previewed.map((step) => judge(coordinator, status, step.capability, step.request)));
    },
  };
}

function recordOf(status: FleetStatus, capability: string): WriteLevelRecord | null {
  return status.capabilities.find((live) => live.capability === capability)?.record ?? null;
}

/** True when writing `target` would move writers off a higher level the record writes. */
function isRollback(record: WriteLevelRecord | null, target: number): boolean {
  return record !== null && writtenLevels(record).some((level) => level > target);
}

/** A rollback is a `disable-write` to the target (so the history says so); anything else an `enable-write` of it. */
function requestFor(record: WriteLevelRecord | null, target: number): WriteLevelRequest {
  return isRollback(record, target) ? { kind: "disable-write", to: target } : { kind: "enable-write", level: target };
}

/** Why apply --manifest does not send the change of `capability` to `target`, or undefined. */
async function holdOf(
  coordinator: Coordinator,
  capability: string,
  target: number,
  record: WriteLevelRecord | null,
  allowRollback: boolean,
): Promise<HeldBackError | undefined> {
  if (record !== null && record.level === target && record.ramp === null) return undefined;
  if (record?.retired.includes(target) === true) return new WriteTargetRetiredError(capability, target);
  const rollout = (await coordinator.rollouts().get(capability))?.rollout;
  if (rollout !== undefined && UNDER_WAY.includes(rollout.state)) return new RolloutUnderWayError(capability, rollout.target, rollout.state);
  if (!allowRollback && isRollback(record, target)) return new RollbackNotAllowedError(capability, target, describeWriteState(record));
  return undefined;
}

function leftAloneOf(diff: ManifestDiff): LeftAlone[] {
  const types = diff.types.flatMap((type): LeftAlone[] => [
    ...(type.writeTarget === null
      ? [
          {
            capability: type.type,
            why: "no-write-target" as const,
            level: null,
            detail: `no writeTarget in the manifest; the fleet: ${describeWriteState(type)}`,
          },
        ]
      : []),
    ...type.retiredStillRequired.map((level) => ({
      capability: type.type,
      why: "retirement" as const,
      level,
      detail: `v${level} is retired in the manifest, still required by the fleet: apply never retires (${retireAdvice(type.type, level, type)})`,
    })),
  ]);
  const unknown = diff.notInManifest.map(
    (capability): LeftAlone => ({
      capability: capability.capability,
      why: "not-in-manifest",
      level: null,
      detail: `not in the manifest: ${describeUnknownCapability(capability)}`,
    }),
  );
  return [...types, ...unknown];
}
