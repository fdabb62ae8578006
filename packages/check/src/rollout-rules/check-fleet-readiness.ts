import type { Coordinator } from "@twostep/fleet";
import type { ProtocolSnapshot } from "../snapshot/index.js";
import { RolloutRule, type Violation } from "../violation/index.js";
import type { LiveFleet } from "./fleet-access.js";
import { fleetUnreachable } from "./fleet-unreachable.js";
import { manifestViolation } from "./manifest-violation.js";
import type { TypePair } from "./pair-manifest-types.js";

/** Blockers listed in a message; the rest are counted. */
const SHOWN_BLOCKERS = 5;

/** Who asks the coordinator: a dry run records nothing, but names its author like any request. */
const CHECK_AUTHOR = { actor: "twostep check", reason: "" } as const;

/**
 * FLEET_NOT_READ_READY and FLEET_UNREACHABLE: for every type whose write
 * target HEAD raises above the base's (or sets, where the base had none),
 * asks the coordinator for a dry run of enabling it (the versions HEAD's
 * manifest declares counting as declared) and reports its blockers and
 * problems. A target the fleet already writes passes. Targets the base does
 * not read are skipped: the ordering rules already refuse them.
 */
export async function checkFleetReadiness(head: ProtocolSnapshot, pairs: readonly TypePair[], fleet: LiveFleet, out: Violation[]): Promise<void> {
  const raised = pairs.filter(({ base, head: type }) => {
    const target = type?.writeTarget;
    if (base === undefined || target === undefined || !base.versions.some((version) => version.version === target)) return false;
    return base.writeTarget === undefined || target > base.writeTarget;
  });
  if (raised.length === 0) return;
  let coordinator: Coordinator | undefined;
  let unreachable: unknown;
  try {
    coordinator = await fleet.coordinator();
  } catch (error) {
    unreachable = error;
  }
  const findings = await Promise.all(
    raised.map(async (pair) => {
      const name = pair.head?.name ?? "";
      const target = pair.head?.writeTarget ?? 0;
      const from = pair.base?.writeTarget === undefined ? "set" : `raised from ${pair.base.writeTarget}`;
      const at = ["types", pair.headIndex, "writeTarget"];
      const question = { type: name, version: target, need: `${name} writeTarget ${target} (${from}) needs the fleet to read v${target}` };
      if (coordinator === undefined) return fleetUnreachable(head, at, question, unreachable);
      try {
        const declared = { [name]: pair.head?.versions.map((version) => version.version) ?? [] };
        const plan = await coordinator.change(name, { kind: "enable-write", level: target }, CHECK_AUTHOR, { dryRun: true, declared });
        if (!plan.refused) return undefined;
        const shown = plan.blockers.slice(0, SHOWN_BLOCKERS).map((blocker) => blocker.detail);
        const more = plan.blockers.length > SHOWN_BLOCKERS ? `; and ${plan.blockers.length - SHOWN_BLOCKERS} more` : "";
        const blockers =
          plan.blockers.length === 0 ? "" : `; ${plan.blockers.length} blocker${plan.blockers.length === 1 ? "" : "s"}: ${shown.join("; ")}${more}`;
        const problems = plan.problems.length === 0 ? "" : `; ${plan.problems.join("; ")}`;
        return manifestViolation(head, at, {
          rule: RolloutRule.FleetNotReadReady,
          type: name,
          version: target,
          message: `${name} writeTarget ${target} (${from}) is not read by every member of the fleet${problems}${blockers}`,
          fix:
            `Deploy a build that reads v${target} to every member (decommission members gone for good: twostep decommission NODE), ` +
            `check with twostep plan ${name} ${target}, then run the check again.`,
        });
      } catch (error) {
        return fleetUnreachable(head, at, question, error);
      }
    }),
  );
  for (const finding of findings) if (finding !== undefined) out.push(finding);
}
