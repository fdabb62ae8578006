import type { Manifest } from "@twostep/core";
import { type CapabilityStatus, type FleetStatus, RECORD_FORMAT_CAPABILITY, type Ramp } from "@twostep/fleet";

/**
 * How a type's write target compares with the fleet's write state: the same
 * (`agrees`: the write level, no ramp), not the same (`differs`), no target
 * in the manifest (`no-target`: nothing to compare), or a record that cannot
 * be read (`unreadable`: never taken as agreeing).
 */
export type WriteComparison = "agrees" | "differs" | "no-target" | "unreadable";

/** One type of the manifest against the live fleet; also one type of `twostep diff --json` (docs/cli.md), field by field in this order. */
export interface TypeDiff {
  readonly type: string;
  /** True when nothing below disagrees. */
  readonly agrees: boolean;
  readonly writeTarget: number | null;
  readonly write: WriteComparison;
  /** The fleet's write level: null when writes are closed, or the record cannot be read. */
  readonly level: number | null;
  /** The fleet's ramp, or null. */
  readonly ramp: Ramp | null;
  readonly revision: number;
  /** Why the record cannot be read, or null. */
  readonly problem: string | null;
  /** Levels the fleet requires every member to read. */
  readonly required: readonly number[];
  /** The levels retired, as the manifest lists them and as the fleet's record has them. */
  readonly retired: { readonly manifest: readonly number[]; readonly fleet: readonly number[] };
  /** Levels the manifest marks retired that the fleet still requires (not retired with `twostep retire`, or still written). */
  readonly retiredStillRequired: readonly number[];
  /** Levels retired in the fleet that the manifest still reads without marking them retired: fine, their readers may go later. */
  readonly retiredInFleetOnly: readonly number[];
  /** True when the write target is retired in the fleet: builds may have dropped its reader. */
  readonly targetRetired: boolean;
  /** Versions the manifest declares that no member reads. */
  readonly unread: readonly number[];
  /** Members that take part in the type. */
  readonly participants: number;
}

/** A capability of the live fleet that the manifest does not declare; also one of `twostep diff --json`, in this order. */
export interface UnknownCapability {
  readonly capability: string;
  /** The fleet's write level: null when writes are closed, or the record cannot be read. */
  readonly level: number | null;
  readonly ramp: Ramp | null;
  readonly revision: number;
  readonly problem: string | null;
  readonly participants: number;
  /** The manifest type that lists it in `renamedFrom`, or null. */
  readonly renamedTo: string | null;
}

/** Where a manifest and the live fleet disagree. */
export interface ManifestDiff {
  /** The control plane's clock when the fleet was read. */
  readonly at: number;
  /** True when they agree on everything: every type, no capability unknown to the manifest, a store that did not go backwards. */
  readonly agree: boolean;
  /** What shows the store went backwards: then nothing it says is trusted to agree. */
  readonly regressed: readonly string[];
  /** Every type of the manifest, in its order. */
  readonly types: readonly TypeDiff[];
  /** Capabilities of the fleet the manifest does not declare (twostep's own record format aside), by name. */
  readonly notInManifest: readonly UnknownCapability[];
}

/**
 * Compares a manifest with the live fleet: per type, its write target with
 * the write level and ramp, its retired levels with the fleet's, and its
 * versions with what members read; then the capabilities the manifest does
 * not know. Reads nothing itself. Its types and capabilities are those of
 * `twostep diff --json` as they are: add a field only where it is documented.
 */
export function diffManifest(manifest: Manifest, status: FleetStatus): ManifestDiff {
  const live = new Map(status.capabilities.map((capability) => [capability.capability, capability]));
  const types = manifest.types.map((type): TypeDiff => {
    const found = live.get(type.name);
    const record = found?.record ?? null;
    const required = found?.required ?? [];
    const declared = type.versions.map(({ version }) => version);
    const fleetRetired = record?.retired ?? [];
    const target = type.writeTarget ?? null;
    const write = compareWrite(target, found);
    const retiredStillRequired = type.retired.filter((level) => required.includes(level));
    const retiredInFleetOnly = fleetRetired.filter((level) => declared.includes(level) && !type.retired.includes(level));
    const targetRetired = target !== null && fleetRetired.includes(target);
    const unread = declared.filter((version) => (found?.readers[version] ?? 0) === 0);
    return {
      type: type.name,
      agrees: (write === "agrees" || write === "no-target") && retiredStillRequired.length === 0 && !targetRetired && unread.length === 0,
      writeTarget: target,
      write,
      level: record?.level ?? null,
      ramp: record?.ramp ?? null,
      revision: found?.revision ?? 0,
      problem: found?.problem ?? null,
      required,
      retired: { manifest: type.retired, fleet: fleetRetired },
      retiredStillRequired,
      retiredInFleetOnly,
      targetRetired,
      unread,
      participants: found?.participants ?? 0,
    };
  });
  const names = new Set(manifest.types.map((type) => type.name));
  const notInManifest = status.capabilities
    .filter((capability) => !names.has(capability.capability) && capability.capability !== RECORD_FORMAT_CAPABILITY)
    .map(
      (capability): UnknownCapability => ({
        capability: capability.capability,
        level: capability.record?.level ?? null,
        ramp: capability.record?.ramp ?? null,
        revision: capability.revision,
        problem: capability.problem,
        participants: capability.participants,
        renamedTo: manifest.types.find((type) => type.renamedFrom.includes(capability.capability))?.name ?? null,
      }),
    );
  return {
    at: status.at,
    agree: status.plane.regressed.length === 0 && notInManifest.length === 0 && types.every((type) => type.agrees),
    regressed: status.plane.regressed,
    types,
    notInManifest,
  };
}

function compareWrite(target: number | null, live: CapabilityStatus | undefined): WriteComparison {
  if (live !== undefined && live.problem !== null) return "unreadable";
  if (target === null) return "no-target";
  const record = live?.record ?? null;
  return record !== null && record.level === target && record.ramp === null ? "agrees" : "differs";
}
