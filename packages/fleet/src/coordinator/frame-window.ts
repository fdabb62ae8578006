import type { FrameCounts } from "../records/heartbeat-record.js";
import type { MemberView } from "./fleet-view.js";
import { incarnationId } from "./fleet-view.js";

/** Frames read and failed at one level. */
export interface FrameTally {
  readonly read: number;
  readonly failed: number;
}

interface Sample {
  readonly at: number;
  readonly counts: ReadonlyMap<string, FrameCounts>;
}

/**
 * The frames members report for one level over time, as a controller sees
 * them at each look, so that a window's frames are the difference between
 * now and its start. A member seen for the first time inside the window
 * counts from zero; one whose counts went down restarted (they cannot, per
 * incarnation, but a damaged report must not count negative).
 */
export class FrameWindow {
  readonly #samples: Sample[] = [];

  /** Takes in what the members report now for `capability` at `level`. */
  record(at: number, members: readonly MemberView[], capability: string, level: number): void {
    const counts = new Map<string, FrameCounts>();
    for (const member of members) {
      const frames = member.beat?.record?.frames[capability]?.[String(level)];
      if (frames !== undefined) counts.set(incarnationId(member.nodeId, member.incarnation), frames);
    }
    this.#samples.push({ at, counts });
  }

  /** The frames of the last `windowMs`, and how long the samples cover (shorter until the window has passed once). */
  tally(windowMs: number): FrameTally & { readonly coveredMs: number } {
    const last = this.#samples.at(-1);
    if (last === undefined) return { read: 0, failed: 0, coveredMs: 0 };
    while (this.#samples.length > 2 && (this.#samples[1] as Sample).at <= last.at - windowMs) this.#samples.shift();
    const first = this.#samples[0] as Sample;
    let read = 0;
    let failed = 0;
    for (const [member, now] of last.counts) {
      const then = first === last ? undefined : first.counts.get(member);
      read += Math.max(0, now[0] - (then?.[0] ?? 0));
      failed += Math.max(0, now[2] - (then?.[2] ?? 0));
    }
    return { read, failed, coveredMs: last.at - first.at };
  }
}
