import { type ControlPlane, Coordinator } from "@twostep/fleet";
import { type BuildRecord, buildIdOf, type HeartbeatRecord, type MemberRecord, RECORD_FORMAT_CAPABILITY, twostepRecordFormats } from "@twostep/fleet/internal";

const formats = twostepRecordFormats;
const author = { actor: "bench", reason: "fleet bench setup" };

/**
 * Enables levels 1 to `level` of every capability through a coordinator
 * (the control plane's identity is set up by the first): the records every
 * member's heartbeat then reports as applied.
 */
export async function enableLevels(plane: ControlPlane, capabilities: readonly string[], level: number): Promise<void> {
  const coordinator = new Coordinator(plane);
  for (const capability of capabilities) {
    for (let step = 1; step <= level; step++) await coordinator.enableWrite(capability, step, { ...author, allowUndeclared: true });
  }
}

/** The build record of a build reading and writing v1..v2 of each of `types`, with a feature of `variant + 1` levels to tell builds apart. */
export function benchBuild(types: readonly string[], variant: number): BuildRecord {
  const capabilities: Record<string, BuildRecord["capabilities"][string]> = {};
  for (const type of types) capabilities[type] = { reads: { min: 1, max: 2 }, writes: { min: 1, max: 2 } };
  capabilities["bench.feature"] = { reads: { min: 1, max: 1 + variant } };
  capabilities[RECORD_FORMAT_CAPABILITY] = { reads: { min: 1, max: formats.newest } };
  return { capabilities, uses: null };
}

/** What {@link writeMembers} writes. */
export interface DirectMembers {
  /** Node ids `node-<from>` ... */
  readonly from: number;
  readonly count: number;
  /** The builds members are spread over (written once each, if absent). */
  readonly builds: readonly BuildRecord[];
  /**
   * The lease their records and heartbeats say: long, so that members
   * written once stay live for the whole run without heartbeating.
   */
  readonly leaseMs: number;
  /** Appends in flight at once. Defaults to 256. */
  readonly concurrency?: number;
}

/**
 * Writes members straight into the control plane, as if nodes had
 * registered: each build record once, then per member its member record and
 * one heartbeat that reports every current record as applied (read from the
 * store first). No process runs for them: their long lease keeps them live.
 */
export async function writeMembers(plane: ControlPlane, members: DirectMembers): Promise<void> {
  const records = await plane.read("records");
  const applied: Record<string, number> = {};
  let meta: { id: string; epoch: number } | null = null;
  for (const entry of records.entries) {
    if (entry.key.kind === "level" && !entry.tombstone) applied[entry.key.capability] = entry.revision;
    if (entry.key.kind === "meta") {
      const decoded = formats.decode("meta", entry.value);
      if (decoded.ok) meta = { id: decoded.value.planeId, epoch: decoded.value.epoch };
    }
  }
  const buildIds = members.builds.map((build) => buildIdOf(build));
  await Promise.all(
    members.builds.map((build, index) =>
      plane.append({ kind: "build", buildId: buildIds[index]! }, formats.encode("build", build, 1), { expect: 0 }).catch(() => {
        // Written by an earlier call: the same bytes under the same hash.
      }),
    ),
  );
  const width = members.concurrency ?? 256;
  for (let start = 0; start < members.count; start += width) {
    const batch = Array.from({ length: Math.min(width, members.count - start) }, (_, offset) => members.from + start + offset);
    await Promise.all(
      batch.map(async (index) => {
        const nodeId = `node-${index}`;
        const incarnation = index.toString(16).padStart(16, "0");
        const variant = index % members.builds.length;
        const member: MemberRecord = {
          nodeId,
          incarnation,
          service: `svc-${index % 20}`,
          build: `b${variant}`,
          buildId: buildIds[variant]!,
          labels: { zone: `z${index % 3}`, tier: index % 2 === 0 ? "web" : "worker" },
          startedAt: Date.now(),
          leaseMs: members.leaseMs,
        };
        const beat: HeartbeatRecord = {
          nodeId,
          incarnation,
          beat: 1,
          leaseMs: members.leaseMs,
          plane: meta,
          applied,
          writes: {},
          frames: {},
          fenced: null,
          regressed: null,
          unreadable: [],
          held: {},
        };
        await plane.append({ kind: "member", nodeId, incarnation }, formats.encode("member", member, 1));
        await plane.beat({ nodeId, incarnation }, formats.encode("heartbeat", beat, 1), { expect: 0 });
      }),
    );
  }
}
