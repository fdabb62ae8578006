import type { Decoded, RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";

interface Cached {
  readonly revision: number;
  readonly kind: keyof TwostepRecords;
  readonly decoded: Decoded<unknown>;
  seen: number;
}

/**
 * Decoded records by key and revision, so that a process reading the fleet
 * again (an enable's second check, a controller, a dashboard) decodes only
 * what changed since: the cost of a read grows with the members that
 * changed, not with all of them. Entries not read in the last view are
 * dropped at the next {@link DecodeCache.sweep}.
 */
export class DecodeCache {
  readonly #formats: RecordFormats<TwostepRecords>;
  readonly #entries = new Map<string, Cached>();
  #generation = 0;

  constructor(formats: RecordFormats<TwostepRecords>) {
    this.#formats = formats;
  }

  /** The decoded record of `id` at `revision`, decoding `bytes` only when not cached. */
  decode<K extends keyof TwostepRecords>(kind: K, id: string, revision: number, bytes: Uint8Array): Decoded<TwostepRecords[K]> {
    const cached = this.#entries.get(id);
    if (cached !== undefined && cached.revision === revision && cached.kind === kind) {
      cached.seen = this.#generation;
      return cached.decoded as Decoded<TwostepRecords[K]>;
    }
    const decoded = this.#formats.decode(kind, bytes);
    this.#entries.set(id, { revision, kind, decoded, seen: this.#generation });
    return decoded;
  }

  /** Drops what the view just built did not read; call once per view. */
  sweep(): void {
    for (const [id, cached] of this.#entries) if (cached.seen !== this.#generation) this.#entries.delete(id);
    this.#generation++;
  }
}
