import { Buffer } from "node:buffer";
import { appliedText, beginsWithMap, membersAfter } from "../records/heartbeat-layout.js";
import type { HeartbeatRecord } from "../records/heartbeat-record.js";
import type { Decoded, RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";
import { ViewMemory } from "./view-memory.js";

interface SharedMap {
  /** The one object handed out for every equal map. */
  readonly map: HeartbeatRecord["applied"];
  /** Its JSON text, as UTF-8: what a heartbeat laid out with this map first begins with (see `beginsWithMap`). */
  readonly bytes: Uint8Array;
  /**
   * True once a heartbeat of record format 1 with this map passed that
   * format's check: only then may a heartbeat of format 1 that begins with
   * its bytes skip the check (a newer format may take maps format 1 refuses).
   */
  formatOne: boolean;
  /** The map's keys and values, in its order: what the next map read is compared with. */
  readonly keys: readonly string[];
  readonly values: readonly number[];
  /** The generation of the last view that used it. */
  seen: number;
}

interface Cached {
  readonly kind: keyof TwostepRecords;
  /** What was decoded: a store that went backwards hands a revision out again, for other bytes. */
  readonly bytes: Uint8Array;
  /** The record, or why it cannot be read. */
  readonly decoded: Decoded<unknown>;
  /** For a heartbeat, its shared `applied` map. */
  readonly applied: SharedMap | undefined;
  /** The generation of the last view that read it. */
  seen: number;
}

/** Where a revision counts: the log, or the heartbeats (each numbers its own). */
export type RevisionSpace = "log" | "beats";

/**
 * Decoded records by revision, so that a process reading the fleet again
 * (an enable's second check, a controller, a dashboard) decodes only what
 * changed since: the cost of a read grows with the members that changed,
 * not with all of them. A revision names one stored entry of the log, or one
 * heartbeat (and the bytes are compared too: a store that went backwards
 * numbers new entries again). Entries not read in the last view are dropped
 * at the next {@link DecodeCache.sweep}.
 *
 * The `applied` maps of decoded heartbeats are shared: equal maps are one
 * object, so that what depends only on a map (convergence, the evidence of a
 * store that went backwards) is worked out once per distinct map, not once
 * per member. A heartbeat that begins with the bytes of a shared map (see
 * `appliedFirst`) is decoded without parsing or checking the map again:
 * only the members after it are parsed. So are the parts that most
 * heartbeats repeat: the plane they report, and their empty members.
 */
export class DecodeCache {
  readonly #formats: RecordFormats<TwostepRecords>;
  readonly #spaces: Record<RevisionSpace, Map<number, Cached>> = { log: new Map(), beats: new Map() };
  /** Applied maps by their JSON text, with the generation that last used them. */
  readonly #applied = new Map<string, SharedMap>();
  #generation = 0;
  /** What the last view kept for the next (see {@link ViewMemory}). */
  readonly memory = new ViewMemory();
  /** The shared map of each `applied` map handed out. */
  readonly #sharedOf = new WeakMap<HeartbeatRecord["applied"], SharedMap>();
  /** The shared map handed out last. */
  #lastShared: SharedMap | undefined;
  /** The `applied` map {@link DecodeCache.retain} kept last in this view. */
  #retained: HeartbeatRecord["applied"] | undefined;
  /** The plane that heartbeats decoded since share, when it is theirs (see {@link DecodeCache.#shareRepeated}). */
  #plane: HeartbeatRecord["plane"] = null;

  constructor(formats: RecordFormats<TwostepRecords>) {
    this.#formats = formats;
  }

  /** The decoded record of `kind` stored at `revision` of `space`, decoding `bytes` only when not cached. */
  decode<K extends keyof TwostepRecords>(kind: K, space: RevisionSpace, revision: number, bytes: Uint8Array): Decoded<TwostepRecords[K]> {
    const entries = this.#spaces[space];
    const cached = entries.get(revision);
    if (cached !== undefined && cached.kind === kind && (cached.bytes === bytes || Buffer.compare(cached.bytes, bytes) === 0)) {
      cached.seen = this.#generation;
      // Its shared map is kept as long as it is (both are marked here, and swept together).
      if (cached.applied !== undefined) cached.applied.seen = this.#generation;
      return cached.decoded as Decoded<TwostepRecords[K]>;
    }
    const { decoded, applied } = kind === "heartbeat" ? this.#decodeBeat(bytes) : { decoded: this.#formats.decode(kind, bytes), applied: undefined };
    entries.set(revision, { kind, bytes, decoded, applied, seen: this.#generation });
    return decoded as Decoded<TwostepRecords[K]>;
  }

  /** True until a view was built with this cache: then nothing read before is known. */
  get fresh(): boolean {
    return this.#generation === 0;
  }

  /** Keeps the shared `applied` map of `record` (a heartbeat decoded earlier, used again without decoding) for this view. */
  retain(record: HeartbeatRecord | null | undefined): void {
    // Members kept in a row mostly share one map: kept once, it needs no lookup again in this view.
    if (record === null || record === undefined || record.applied === this.#retained) return;
    const shared = this.#sharedOf.get(record.applied);
    if (shared !== undefined) shared.seen = this.#generation;
    this.#retained = record.applied;
  }

  /** Drops what the view just built did not read; call once per view. */
  sweep(): void {
    this.#retained = undefined;
    const generation = this.#generation;
    for (const entries of [this.#spaces.log, this.#spaces.beats]) {
      entries.forEach((cached, revision) => {
        if (cached.seen !== generation) entries.delete(revision);
      });
    }
    this.#applied.forEach((shared, text) => {
      if (shared.seen !== generation) this.#applied.delete(text);
    });
    if (this.#lastShared !== undefined && this.#lastShared.seen !== generation) this.#lastShared = undefined;
    this.#generation++;
  }

  /** A heartbeat decoded, with its shared map in place of its own. */
  #decodeBeat(bytes: Uint8Array): { readonly decoded: Decoded<unknown>; readonly applied: SharedMap | undefined } {
    const known = this.#sharedIn(bytes);
    const after = known === undefined ? undefined : this.#decodeAfter(bytes, known);
    if (after !== undefined) return after;
    const decoded = this.#formats.decode("heartbeat", bytes);
    if (!decoded.ok) return { decoded, applied: undefined };
    // The record was just decoded, for this cache alone: its map is swapped for the shared one in place, not copied.
    const beat = decoded.value as Writable<HeartbeatRecord>;
    const applied = this.#share(beat.applied, decoded.format === 1);
    beat.applied = applied.map;
    this.#shareRepeated(beat);
    return { decoded, applied };
  }

  /** The shared map that `bytes`, a heartbeat laid out as `appliedFirst` writes it, begin with, or undefined. */
  #sharedIn(bytes: Uint8Array): SharedMap | undefined {
    const last = this.#lastShared;
    if (last?.formatOne && beginsWithMap(bytes, last.bytes)) return last;
    const text = appliedText(bytes);
    const known = text === undefined ? undefined : this.#applied.get(text);
    return known?.formatOne && beginsWithMap(bytes, known.bytes) ? known : undefined;
  }

  /**
   * A heartbeat whose bytes begin with `shared`'s, decoded from the members
   * after it, with the shared map in place: exactly what decoding it whole
   * gives (the map was checked when it was first decoded, and stands in
   * after the check), or undefined when it has to be decoded whole to say.
   */
  #decodeAfter(bytes: Uint8Array, shared: SharedMap): { readonly decoded: Decoded<unknown>; readonly applied: SharedMap } | undefined {
    const members = membersAfter(bytes, shared.bytes);
    if (members === undefined) return undefined;
    members["applied"] = NO_APPLIED;
    const decoded = this.#formats.decodeParsed("heartbeat", 1, members);
    if (!decoded.ok) return undefined;
    const beat = decoded.value as Writable<HeartbeatRecord>;
    beat.applied = this.#use(shared).map;
    this.#shareRepeated(beat);
    return { decoded, applied: shared };
  }

  /**
   * Swaps what a heartbeat just decoded (for this cache alone) repeats of
   * others for one shared object: its plane, when equal to the plane before
   * and with no member but `id` and `epoch`, and each empty member. A view
   * of a large fleet then keeps a few objects less per member, which its
   * garbage collection would otherwise copy.
   */
  #shareRepeated(beat: Writable<HeartbeatRecord>): void {
    const plane = beat.plane;
    if (plane !== null && memberCount(plane) === 2) {
      const last = this.#plane;
      if (last !== null && last.id === plane.id && last.epoch === plane.epoch) beat.plane = last;
      // Frozen, as every object shared between records: a change to one record's would change them all.
      else this.#plane = Object.freeze(plane);
    }
    if (memberCount(beat.writes) === 0) beat.writes = NO_MEMBERS;
    if (memberCount(beat.frames) === 0) beat.frames = NO_MEMBERS;
    if (memberCount(beat.held) === 0) beat.held = NO_MEMBERS;
    if (beat.unreadable.length === 0) beat.unreadable = NO_PROBLEMS;
  }

  /** The one object of maps equal to `applied` (`applied` itself when it is the first), kept for this view. */
  #share(applied: HeartbeatRecord["applied"], formatOne: boolean): SharedMap {
    // Heartbeats read in a row mostly report one map: compared key by key and value by value, in order, it needs no text.
    const last = this.#lastShared;
    let shared = last !== undefined && sameEntries(last, applied) ? last : undefined;
    if (shared === undefined) {
      const text = JSON.stringify(applied);
      shared = this.#applied.get(text);
      if (shared === undefined) {
        shared = { map: applied, bytes: utf8.encode(text), formatOne, keys: Object.keys(applied), values: Object.values(applied), seen: this.#generation };
        this.#applied.set(text, shared);
        this.#sharedOf.set(applied, shared);
      }
    }
    shared.formatOne ||= formatOne;
    return this.#use(shared);
  }

  /** Keeps `shared` for this view, as the map the next heartbeat is compared with first. */
  #use(shared: SharedMap): SharedMap {
    shared.seen = this.#generation;
    this.#lastShared = shared;
    return shared;
  }
}

/** What stands in for a shared map while the members around it are checked. */
const NO_APPLIED = Object.freeze({});
/** The one empty object and the one empty list of decoded heartbeats. */
const NO_MEMBERS = Object.freeze({});
const NO_PROBLEMS: readonly string[] = Object.freeze([]);

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** How many members `object` has (its own enumerable keys, which is all that JSON gives it). */
function memberCount(object: object): number {
  let count = 0;
  for (const _ in object) count++;
  return count;
}

const utf8 = new TextEncoder();

/**
 * True when `map` has the keys of `shared`, in the same order, with the same
 * values. Maps equal in another order are told apart here and found equal by
 * their text (which is in order too, so they are shared apart): both answers
 * are right. A `for...in` over a map decoded from JSON reads its keys and
 * values in place (nothing inherited is enumerable): no lookup by key, no array.
 */
function sameEntries(shared: SharedMap, map: Readonly<Record<string, number>>): boolean {
  const keys = shared.keys;
  const values = shared.values;
  let index = 0;
  for (const key in map) {
    if (key !== keys[index] || map[key] !== values[index]) return false;
    index++;
  }
  return index === keys.length;
}
