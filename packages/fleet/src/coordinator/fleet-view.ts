import type { ControlPlane, StoredBeat, StoredEntry } from "../control-plane/control-plane.js";
import { keyText } from "../control-plane/entry-key.js";
import type { BuildRecord } from "../records/build-record.js";
import type { DecommissionRecord, DepartureRecord } from "../records/departure-record.js";
import type { HeartbeatRecord } from "../records/heartbeat-record.js";
import type { MemberRecord } from "../records/member-record.js";
import type { PlaneMeta } from "../records/plane-meta.js";
import type { RecordFormats } from "../records/record-formats.js";
import { DecodeCache } from "./decode-cache.js";
import { beatDecoder, judge, readBeat, stateUntil, withBeat } from "./member-view.js";
import { patchLastView } from "./patch-view.js";
import type { TwostepRecords } from "../records/twostep-records.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";

/**
 * How a member looks from the control plane, judged by its lease:
 * - `starting`: registered, no heartbeat yet, and registered less than its lease and the clock margin ago;
 * - `live`: its last heartbeat is younger than its lease: it may be writing;
 * - `stale`: its lease ran out, but not yet by the clock margin: it may still be writing;
 * - `expired`: its lease surely ran out (or it was fenced for good): it writes nothing until it renews.
 */
export type MemberState = "starting" | "live" | "stale" | "expired";

/** A heartbeat as the coordinator reads it. */
export interface BeatView {
  readonly record: HeartbeatRecord | null;
  /** Why it cannot be read, when `record` is null and it is not a tombstone. */
  readonly problem: string | null;
  /** When the control plane stored it. */
  readonly at: number;
  readonly revision: number;
  readonly tombstone: boolean;
}

/** One incarnation of a node that is a member. */
export interface MemberView {
  readonly nodeId: string;
  readonly incarnation: string;
  /** Its member record, or null when it cannot be read (`problem` says why). */
  readonly member: MemberRecord | null;
  /** Its build record, or null when missing or unreadable (`problem` says why). */
  readonly build: BuildRecord | null;
  readonly problem: string | null;
  /** When it registered (control plane's clock), and the revision of that entry. */
  readonly registeredAt: number;
  readonly revision: number;
  readonly beat: BeatView | null;
  readonly state: MemberState;
  /** Its lease in ms (from its heartbeat, else its member record, else 15 s). */
  readonly leaseMs: number;
}

/** An incarnation that left, was refused, or was decommissioned, kept until the log is compacted. */
export interface DepartedView {
  readonly nodeId: string;
  readonly incarnation: string;
  /** What its build read and wrote, when known. */
  readonly build: BuildRecord | null;
  /** When it went (control plane's clock). */
  readonly at: number;
  readonly departure: DepartureRecord | null;
  /** For a decommissioned incarnation: until when it may have written each level. */
  readonly decommission: DecommissionRecord | null;
}

/** The write-level record of one capability as read. */
export interface LevelView {
  readonly capability: string;
  /** The record, or null when it cannot be read or was forgotten. */
  readonly record: WriteLevelRecord | null;
  /** Why it cannot be read, or null. */
  readonly problem: string | null;
  /** True when a newer twostep wrote it. */
  readonly newer: boolean;
  /** The record format it is stored in (0 when unreadable). */
  readonly format: number;
  readonly revision: number;
  readonly at: number;
  /** True when the record was forgotten (a tombstone). */
  readonly forgotten: boolean;
}

/** Everything the coordinator judges by, read at one moment. */
export interface FleetView {
  /** The log position the view is complete up to. */
  readonly position: number;
  /** The control plane's clock when the view was read. */
  readonly now: number;
  /** The control plane's identity, or null before it was set up. */
  readonly meta: { readonly value: PlaneMeta | null; readonly problem: string | null; readonly revision: number } | null;
  readonly levels: ReadonlyMap<string, LevelView>;
  readonly members: readonly MemberView[];
  readonly departed: readonly DepartedView[];
  /** Heartbeats of incarnations the log has no member record of (the store lost them, or they never registered). */
  readonly orphans: readonly (BeatView & { readonly nodeId: string; readonly incarnation: string })[];
  /** Every entry that could not be read, in words. */
  readonly unreadable: readonly string[];
}

/** What {@link loadFleetView} needs besides the control plane. */
export interface ViewOptions {
  readonly formats: RecordFormats<TwostepRecords>;
  /** Decoded records of earlier views, reused for entries that did not change. */
  readonly cache?: DecodeCache;
  /** Extra time beyond a lease before it surely ran out, covering clocks. */
  readonly clockMarginMs: number;
  /** The view must include the log up to here (a change just written). */
  readonly atLeast?: number;
}

/** Reads the log, the heartbeats and the control plane's clock, and judges each member. */
export async function loadFleetView(plane: ControlPlane, options: ViewOptions): Promise<FleetView> {
  // The heartbeats, then the log: a node registers before it heartbeats, so every heartbeat read has its member
  // (and the revisions it reports) in the log read after it. Read the other way round, or only at once, a node
  // joining in between would show a heartbeat without a member, which is the evidence of a store gone backwards.
  // For a first view, the log is also read while the heartbeats are, so that the store's work on it overlaps ours
  // on them: the read after them then costs what was stored since, on a plane that keeps what it read (the NATS
  // plane does). A later view's reads cost what changed, and that early read would only add a round trip. The
  // early read only saves time: when it fails, the read after the heartbeats reads everything.
  const atLeast = options.atLeast ?? 0;
  const early = options.cache === undefined || options.cache.fresh ? plane.read("fleet", { atLeast }).catch(() => undefined) : undefined;
  const [beats] = await Promise.all([plane.readBeats(), early]);
  const snapshot = await plane.read("fleet", { atLeast });
  // The clock after the reads: a heartbeat stored before it is never judged younger than it is.
  const now = await plane.serverTime();
  return buildFleetView(snapshot.entries, snapshot.position, beats, now, options);
}

/**
 * Builds a {@link FleetView} from what was read. Linear in the entries, and
 * cheap for members that did not change: with a cache, their member views
 * (and the decoded records under them) are the ones built before, found by
 * the revision of their member entry, and nothing is allocated for them.
 * When only members' heartbeats changed, the last view is patched instead
 * (see `patchLastView`): the cost grows with what changed.
 */
export function buildFleetView(entries: readonly StoredEntry[], position: number, beats: readonly StoredBeat[], now: number, options: ViewOptions): FleetView {
  const cache = options.cache ?? new DecodeCache(options.formats);
  cache.memory.beats.update(beats);
  const patched = patchLastView(entries, position, now, options, cache);
  if (patched !== undefined) return patched;
  const { view, until } = assemble(entries, position, beats, now, options, cache);
  cache.sweep();
  cache.memory.remember({ view, entries, until, patched: 0 });
  return view;
}

function assemble(
  entries: readonly StoredEntry[],
  position: number,
  beats: readonly StoredBeat[],
  now: number,
  options: ViewOptions,
  cache: DecodeCache,
): { readonly view: FleetView; readonly until: number } {
  const decodeEntry = <K extends keyof TwostepRecords>(kind: K, entry: StoredEntry) => cache.decode(kind, "log", entry.revision, entry.value);
  const decodeBeat = beatDecoder(cache);
  const memory = cache.memory;
  const beatIndex = memory.beats;
  const unreadable: string[] = [];
  /** The earliest end of a member's state. */
  let until = Number.POSITIVE_INFINITY;
  const builds = new Map<string, BuildRecord | string>();
  const decommissions = new Map<string, { record: DecommissionRecord; at: number; revision: number }>();
  /** How many heartbeats members and departed incarnations claim: when fewer than there are, the others are orphans. */
  let claimed = 0;
  /** The build and decommission entries, in order: what member views depend on besides their own entry and heartbeat. */
  const contextEntries: StoredEntry[] = [];
  let meta: FleetView["meta"] = null;
  const levels = new Map<string, LevelView>();
  const memberEntries: StoredEntry[] = [];
  for (const entry of entries) {
    const key = entry.key;
    switch (key.kind) {
      case "meta": {
        if (entry.tombstone) break;
        const decoded = decodeEntry("meta", entry);
        meta = { value: decoded.ok ? decoded.value : null, problem: decoded.ok ? null : decoded.problem, revision: entry.revision };
        if (!decoded.ok) unreadable.push(`meta: ${decoded.problem}`);
        break;
      }
      case "level": {
        const base = { capability: key.capability, revision: entry.revision, at: entry.at };
        if (entry.tombstone) {
          levels.set(key.capability, { ...base, record: null, problem: null, newer: false, format: 0, forgotten: true });
          break;
        }
        const decoded = decodeEntry("level", entry);
        if (decoded.ok && decoded.value.capability === key.capability) {
          levels.set(key.capability, { ...base, record: decoded.value, problem: null, newer: false, format: decoded.format, forgotten: false });
        } else {
          const problem = decoded.ok ? `it names ${JSON.stringify(decoded.value.capability)}` : decoded.problem;
          unreadable.push(`${keyText(key)}: ${problem}`);
          levels.set(key.capability, { ...base, record: null, problem, newer: !decoded.ok && decoded.newer, format: 0, forgotten: false });
        }
        break;
      }
      case "build": {
        contextEntries.push(entry);
        const decoded = decodeEntry("build", entry);
        builds.set(key.buildId, decoded.ok ? decoded.value : decoded.problem);
        if (!decoded.ok) unreadable.push(`${keyText(key)}: ${decoded.problem}`);
        break;
      }
      case "decommission": {
        contextEntries.push(entry);
        const decoded = decodeEntry("decommission", entry);
        if (decoded.ok) decommissions.set(entryId(entry, key), { record: decoded.value, at: entry.at, revision: entry.revision });
        else unreadable.push(`${keyText(key)}: ${decoded.problem}`);
        break;
      }
      case "member":
        memberEntries.push(entry);
        break;
      case "refusal":
        break;
    }
  }
  // Members whose entry, heartbeat, build and decommission records are those of the last view keep their view of it.
  const sameContext = memory.sameContext(contextEntries);
  const members: MemberView[] = [];
  const departed: DepartedView[] = [];
  for (const entry of memberEntries) {
    if (entry.key.kind !== "member") continue;
    const { nodeId, incarnation } = entry.key;
    const slot = memory.slots.get(entry.revision);
    const sameEntry = sameContext && slot !== undefined && slot.entry === entry;
    const decommission = decommissions.size === 0 ? undefined : decommissions.get(entryId(entry, entry.key));
    if (entry.tombstone || (decommission !== undefined && decommission.revision > entry.revision)) {
      if (beatIndex.get(nodeId, incarnation) !== undefined) claimed++;
      const departure = entry.tombstone ? decodeEntry("departure", entry) : undefined;
      const buildId = departure?.ok ? departure.value.buildId : null;
      const stored = buildId === null ? undefined : builds.get(buildId);
      departed.push({
        nodeId,
        incarnation,
        build: typeof stored === "object" ? stored : null,
        at: decommission?.at ?? entry.at,
        departure: departure?.ok ? departure.value : null,
        decommission: decommission?.record ?? null,
      });
      continue;
    }
    const storedBeat = sameEntry && !beatIndex.changed(incarnation) ? slot.beat : beatIndex.get(nodeId, incarnation);
    if (storedBeat !== undefined) claimed++;
    if (sameEntry && storedBeat === slot.beat) {
      // Nothing of it changed but, maybe, its state: the view of it is the one before.
      if (slot.memberLine !== undefined) unreadable.push(slot.memberLine);
      if (slot.beatLine !== undefined) unreadable.push(slot.beatLine);
      cache.retain(slot.view.beat?.record);
      const state = judge(slot.view, now, options.clockMarginMs);
      until = Math.min(until, stateUntil(slot.view, state, options.clockMarginMs));
      if (state === slot.view.state) members.push(slot.view);
      else {
        const view = { ...slot.view, state };
        memory.slots.set(entry.revision, { ...slot, view });
        members.push(view);
      }
      continue;
    }
    let member: MemberRecord | null;
    let build: BuildRecord | null;
    let problem: string | null;
    let memberLine: string | undefined;
    if (sameEntry) {
      ({ member, build, problem } = slot.view);
      memberLine = slot.memberLine;
    } else {
      const decoded = decodeEntry("member", entry);
      member = decoded.ok ? decoded.value : null;
      const stored = member === null ? undefined : builds.get(member.buildId);
      build = typeof stored === "object" ? stored : null;
      problem = !decoded.ok
        ? `its member record cannot be read: ${decoded.problem}`
        : stored === undefined
          ? `its build record ${member?.buildId} is missing`
          : typeof stored === "string"
            ? `its build record cannot be read: ${stored}`
            : null;
      memberLine = decoded.ok ? undefined : `${keyText(entry.key)}: ${decoded.problem}`;
    }
    const { view, beatLine } = withBeat(
      { nodeId, incarnation, member, build, problem, registeredAt: entry.at, revision: entry.revision },
      storedBeat,
      decodeBeat,
      now,
      options.clockMarginMs,
    );
    until = Math.min(until, stateUntil(view, view.state, options.clockMarginMs));
    if (memberLine !== undefined) unreadable.push(memberLine);
    if (beatLine !== undefined) unreadable.push(beatLine);
    memory.slots.set(entry.revision, { view, entry, beat: storedBeat, memberLine, beatLine });
    members.push(view);
  }
  memory.keepSlots(members);
  const orphans: FleetView["orphans"][number][] = [];
  if (claimed < beatIndex.size) {
    const claimants = new Set<string>();
    for (const entry of memberEntries) if (entry.key.kind === "member") claimants.add(entryId(entry, entry.key));
    for (const beat of beats) {
      if (beat.tombstone || claimants.has(incarnationId(beat.key.nodeId, beat.key.incarnation))) continue;
      const view = readBeat(beat, decodeBeat, unreadable);
      if (view !== null) orphans.push({ ...view, nodeId: beat.key.nodeId, incarnation: beat.key.incarnation });
    }
  }
  return { view: { position, now, meta, levels, members, departed, orphans, unreadable }, until };
}

const entryIds = new WeakMap<StoredEntry, string>();

/** The {@link incarnationId} of a member or decommission entry, spelled once per entry read. */
function entryId(entry: StoredEntry, key: { readonly nodeId: string; readonly incarnation: string }): string {
  let id = entryIds.get(entry);
  if (id === undefined) {
    id = incarnationId(key.nodeId, key.incarnation);
    entryIds.set(entry, id);
  }
  return id;
}

/** One spelling of an incarnation, for maps: the node id's length tells where the incarnation starts. */
export function incarnationId(nodeId: string, incarnation: string): string {
  return `${nodeId.length}:${nodeId}${incarnation}`;
}
