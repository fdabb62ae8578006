import type { StoredBeat } from "../control-plane/control-plane.js";

const NONE: ReadonlySet<string> = new Set();

/**
 * The heartbeats of one read, by incarnation, kept from one read to the
 * next: a read that hands back mostly the same heartbeat objects (a control
 * plane that caches what it read) updates the index in place, looking up
 * by object, and tells which incarnations got another heartbeat, so that an
 * unchanged fleet costs a pass over the read and allocates nothing.
 */
export class BeatIndex {
  #byId = new Map<string, StoredBeat>();
  /** The incarnation of each heartbeat held now. */
  #held = new WeakMap<StoredBeat, string>();
  /** Incarnations whose heartbeat came or changed at the last update; null when the index was built anew. */
  #changed: Set<string> | null = null;

  /** How many incarnations have a heartbeat. */
  get size(): number {
    return this.#byId.size;
  }

  /** Makes the index hold exactly `beats` (one per incarnation), keyed by `idOf`. */
  update(beats: readonly StoredBeat[], idOf: (beat: StoredBeat) => string): void {
    if (this.#byId.size === 0) {
      this.#rebuild(beats, idOf);
      return;
    }
    let changed: Set<string> | undefined;
    for (const beat of beats) {
      if (this.#held.has(beat)) continue;
      const id = idOf(beat);
      const before = this.#byId.get(id);
      if (before !== undefined) this.#held.delete(before);
      this.#byId.set(id, beat);
      this.#held.set(beat, id);
      changed ??= new Set();
      changed.add(id);
    }
    this.#changed = changed ?? (NONE as Set<string>);
    // Every heartbeat read is held: when the index holds no more, none went away.
    if (this.#byId.size !== beats.length) this.#rebuild(beats, idOf);
  }

  /** Makes the index hold `beats` from nothing: each of them changed. */
  #rebuild(beats: readonly StoredBeat[], idOf: (beat: StoredBeat) => string): void {
    this.#byId = new Map();
    this.#held = new WeakMap();
    for (const beat of beats) {
      const id = idOf(beat);
      this.#byId.set(id, beat);
      this.#held.set(beat, id);
    }
    this.#changed = null;
  }

  /** True when the heartbeat of `id` may differ from the one it had before the last update. */
  changed(id: string): boolean {
    return this.#changed === null || (this.#changed.size > 0 && this.#changed.has(id));
  }

  /** The heartbeat of the incarnation `id`, if any. */
  get(id: string): StoredBeat | undefined {
    return this.#byId.get(id);
  }
}
