import type { StoredBeat } from "../control-plane/control-plane.js";
import type { HeartbeatRecord } from "../records/heartbeat-record.js";
import type { Decoded } from "../records/record-formats.js";
import type { DecodeCache } from "./decode-cache.js";
import type { BeatView, MemberState, MemberView } from "./fleet-view.js";

/** The lease assumed for a member whose records say none. */
const DEFAULT_LEASE_MS = 15_000;

/** A heartbeat as read (a tombstone, a record, or why it cannot be read, which also goes to `unreadable`), or null when there is none. */
export function readBeat(beat: StoredBeat | undefined, decodeBeat: (beat: StoredBeat) => Decoded<HeartbeatRecord>, unreadable: string[]): BeatView | null {
  if (beat === undefined) return null;
  if (beat.tombstone) return { record: null, problem: null, at: beat.at, revision: beat.revision, tombstone: true };
  const decoded = decodeBeat(beat);
  if (!decoded.ok) unreadable.push(`heartbeat ${beat.key.nodeId}@${beat.key.incarnation}: ${decoded.problem}`);
  return { record: decoded.ok ? decoded.value : null, problem: decoded.ok ? null : decoded.problem, at: beat.at, revision: beat.revision, tombstone: false };
}

/**
 * When the lease of a member ends (control plane's clock): its lease after
 * its last heartbeat, or after it registered when it has sent none. Until
 * then, and the clock margin after, it may be writing.
 */
export function leaseEndOf(member: Pick<MemberView, "beat" | "registeredAt" | "leaseMs">): number {
  return (member.beat?.at ?? member.registeredAt) + member.leaseMs;
}

/** The state of a member at `now` (see {@link MemberState}). */
export function judge(member: Pick<MemberView, "beat" | "registeredAt" | "leaseMs">, now: number, marginMs: number): MemberState {
  if (member.beat?.tombstone === true) return "expired";
  const leaseEnd = leaseEndOf(member);
  if (member.beat === null) return now <= leaseEnd + marginMs ? "starting" : "expired";
  if (now <= leaseEnd) return "live";
  return now <= leaseEnd + marginMs ? "stale" : "expired";
}

/** The latest time at which a member judged `state` still is: its state changes after it (a member that expired stays expired as time goes on). */
export function stateUntil(member: Pick<MemberView, "beat" | "registeredAt" | "leaseMs">, state: MemberState, marginMs: number): number {
  if (state === "expired") return Number.POSITIVE_INFINITY;
  return state === "live" ? leaseEndOf(member) : leaseEndOf(member) + marginMs;
}

/** What a member's view holds besides its heartbeat and what follows from it. */
export type MemberBase = Pick<MemberView, "nodeId" | "incarnation" | "member" | "build" | "problem" | "registeredAt" | "revision">;

/** The view of a member with `storedBeat` as its heartbeat, judged at `now`; and why that heartbeat cannot be read, if it cannot. */
export function withBeat(
  base: MemberBase,
  storedBeat: StoredBeat | undefined,
  decodeBeat: (beat: StoredBeat) => Decoded<HeartbeatRecord>,
  now: number,
  marginMs: number,
): { readonly view: MemberView; readonly beatLine: string | undefined } {
  const beatLines: string[] = [];
  const beat = readBeat(storedBeat, decodeBeat, beatLines);
  const leaseMs = beat?.record?.leaseMs ?? base.member?.leaseMs ?? DEFAULT_LEASE_MS;
  const view: MemberView = {
    nodeId: base.nodeId,
    incarnation: base.incarnation,
    member: base.member,
    build: base.build,
    problem: base.problem,
    registeredAt: base.registeredAt,
    revision: base.revision,
    beat,
    leaseMs,
    state: judge({ beat, registeredAt: base.registeredAt, leaseMs }, now, marginMs),
  };
  return { view, beatLine: beatLines[0] };
}

/** Decodes heartbeats through `cache`. */
export function beatDecoder(cache: DecodeCache): (beat: StoredBeat) => Decoded<HeartbeatRecord> {
  return (beat) => cache.decode("heartbeat", "beats", beat.revision, beat.value);
}
