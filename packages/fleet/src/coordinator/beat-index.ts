import type { StoredBeat } from "../control-plane/control-plane.js";

const NONE: ReadonlySet<string> = new Set();

/**
 * The heartbeats of one read, by incarnation, kept from one read to the
 * next: a read that hands back mostly the same heartbeat objects (a control
 * plane that caches what it read) updates the index in place, looking up
 * by object, and tells which incarnations got another heartbeat, so that an
 * unchanged fleet costs a pass over the read and allocates nothing.
 *
 * A heartbeat is found by its incarnation and then checked for its node id,
 * with no key spelled out of the two: an incarnation is drawn at random per
 * process start, so it nearly always names one node. An incarnation that
 * two node ids report is held apart, by node id.
 */
export class BeatIndex {
  /** The heartbeat of each incarnation that one node id reports. */
  #byIncarnation = new Map<string, StoredBeat>();
  /** The heartbeats of incarnations that more than one node id reports, by node id (such an incarnation is not in `#byIncarnation`). */
  #shared = new Map<string, Map<string, StoredBeat>>();
  /** The heartbeats held now. */
  #held = new WeakSet<StoredBeat>();
  /** Incarnations whose heartbeat came or changed at the last update; null when the index was built anew. */
  #changed: Set<string> | null = null;

  /** How many incarnations have a heartbeat. */
  get size(): number {
    let size = this.#byIncarnation.size;
    for (const many of this.#shared.values()) size += many.size;
    return size;
  }

  /** Makes the index hold exactly `beats` (one per node id and incarnation). */
  update(beats: readonly StoredBeat[]): void {
    if (this.size === 0) {
      this.#rebuild(beats);
      return;
    }
    let changed: Set<string> | undefined;
    for (const beat of beats) {
      if (this.#held.has(beat)) continue;
      this.#put(beat);
      changed ??= new Set();
      changed.add(beat.key.incarnation);
    }
    this.#changed = changed ?? (NONE as Set<string>);
    // Every heartbeat read is held: when the index holds no more, none went away.
    if (this.size !== beats.length) this.#rebuild(beats);
  }

  /** Makes the index hold `beats` from nothing: each of them changed. */
  #rebuild(beats: readonly StoredBeat[]): void {
    this.#byIncarnation = new Map();
    this.#shared = new Map();
    this.#held = new WeakSet();
    for (const beat of beats) this.#put(beat);
    this.#changed = null;
  }

  /** Holds `beat` in place of the one of its node id and incarnation, if any. */
  #put(beat: StoredBeat): void {
    const { nodeId, incarnation } = beat.key;
    this.#held.add(beat);
    const one = this.#byIncarnation.get(incarnation);
    if (one !== undefined && one.key.nodeId === nodeId) {
      this.#held.delete(one);
      this.#byIncarnation.set(incarnation, beat);
      return;
    }
    if (one !== undefined) {
      // A second node id with this incarnation: both are held apart from now on.
      this.#byIncarnation.delete(incarnation);
      this.#shared.set(
        incarnation,
        new Map([
          [one.key.nodeId, one],
          [nodeId, beat],
        ]),
      );
      return;
    }
    const many = this.#shared.get(incarnation);
    if (many === undefined) {
      this.#byIncarnation.set(incarnation, beat);
      return;
    }
    const before = many.get(nodeId);
    if (before !== undefined) this.#held.delete(before);
    many.set(nodeId, beat);
  }

  /**
   * True when a heartbeat of `incarnation` may differ from the one it had
   * before the last update (asked per incarnation: for every node id that
   * reports it).
   */
  changed(incarnation: string): boolean {
    return this.#changed === null || (this.#changed.size > 0 && this.#changed.has(incarnation));
  }

  /** The incarnations whose heartbeat came or changed at the last update, or null when the index was built anew (every one did). */
  changes(): ReadonlySet<string> | null {
    return this.#changed;
  }

  /** True when more than one node id reports `incarnation` (see {@link BeatIndex}). */
  shared(incarnation: string): boolean {
    return this.#shared.size > 0 && this.#shared.has(incarnation);
  }

  /** The heartbeat of `nodeId`'s `incarnation`, if any. */
  get(nodeId: string, incarnation: string): StoredBeat | undefined {
    const one = this.#byIncarnation.get(incarnation);
    if (one !== undefined) return one.key.nodeId === nodeId ? one : undefined;
    return this.#shared.size === 0 ? undefined : this.#shared.get(incarnation)?.get(nodeId);
  }
}
