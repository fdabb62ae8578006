import type { ControlPlane } from "../control-plane/control-plane.js";
import type { FrameCounts } from "../records/heartbeat-record.js";
import type { RecordFormats } from "../records/record-formats.js";
import { type TwostepRecords, twostepRecordFormats } from "../records/twostep-records.js";
import type { Coordinator } from "./coordinator.js";

/** Options of a {@link RampGuard}. */
export interface RampGuardOptions {
  /** Failure rate at the ramp target above which the ramp is reverted, from 0 to 1. Defaults to 0.01. */
  readonly threshold?: number;
  /** Frames at the ramp target to see before judging. Defaults to 50. */
  readonly minFrames?: number;
  /** Period of {@link RampGuard.start}'s checks. Defaults to 5 s. */
  readonly intervalMs?: number;
  /** Recorded as the actor of a revert. Defaults to `guard`. */
  readonly actor?: string;
  /** The formats of twostep's own records. Defaults to this twostep's. */
  readonly recordFormats?: RecordFormats<TwostepRecords>;
}

/** What one check found for one ramped capability. */
export interface GuardVerdict {
  readonly capability: string;
  readonly level: number;
  /** Frames read and failed at the ramp target since the guard began watching this ramp. */
  readonly read: number;
  readonly failed: number;
  readonly reverted: boolean;
}

/**
 * Watches the decode failures that nodes report (in their heartbeats) at a
 * ramped level, including frames of that level that a node could not read
 * at all, and reverts the ramp, with the reason recorded, when their rate
 * exceeds a threshold. Counting starts when the guard first sees a ramp, so
 * failures from before it do not count.
 */
export class RampGuard {
  readonly #coordinator: Coordinator;
  readonly #plane: ControlPlane;
  readonly #threshold: number;
  readonly #minFrames: number;
  readonly #intervalMs: number;
  readonly #actor: string;
  readonly #formats: RecordFormats<TwostepRecords>;
  /** Per ramp (capability, target, revision): per node, the counters at the baseline. */
  readonly #baselines = new Map<string, Map<string, { read: number; failed: number }>>();
  #timer: NodeJS.Timeout | undefined;

  constructor(coordinator: Coordinator, controlPlane: ControlPlane, options: RampGuardOptions = {}) {
    this.#coordinator = coordinator;
    this.#plane = controlPlane;
    this.#threshold = options.threshold ?? 0.01;
    this.#minFrames = options.minFrames ?? 50;
    this.#intervalMs = options.intervalMs ?? 5_000;
    this.#actor = options.actor ?? "guard";
    this.#formats = options.recordFormats ?? twostepRecordFormats;
  }

  /** One pass over every ramp; reverts those failing too often. */
  async check(): Promise<GuardVerdict[]> {
    const [snapshot, stored] = await Promise.all([this.#plane.read("records"), this.#plane.readBeats()]);
    const beats = stored.flatMap((beat) => {
      const decoded = beat.tombstone ? undefined : this.#formats.decode("heartbeat", beat.value);
      return decoded?.ok === true ? [decoded.value] : [];
    });
    const verdicts: GuardVerdict[] = [];
    const live = new Set<string>();
    for (const entry of snapshot.entries) {
      if (entry.key.kind !== "level" || entry.tombstone) continue;
      const decoded = this.#formats.decode("level", entry.value);
      if (!decoded.ok) continue;
      const record = decoded.value;
      if (record.ramp === null) continue;
      const level = record.ramp.to;
      const key = `${record.capability}\u0000${level}\u0000${entry.revision}`;
      live.add(key);
      const firstLook = !this.#baselines.has(key);
      const baseline = this.#baselines.get(key) ?? new Map<string, { read: number; failed: number }>();
      this.#baselines.set(key, baseline);
      let read = 0;
      let failed = 0;
      for (const beat of beats) {
        const now = countsAt(beat.frames[record.capability]?.[String(level)]);
        const node = `${beat.nodeId}@${beat.incarnation}`;
        let base = baseline.get(node);
        if (base === undefined) {
          // Seen at the first look: what it counted so far is the baseline. Joined later: all of it counts.
          base = firstLook ? now : { read: 0, failed: 0 };
          baseline.set(node, base);
        }
        // Counters restart with the node: a drop means a restart, so count from zero.
        read += now.read >= base.read ? now.read - base.read : now.read;
        failed += now.failed >= base.failed ? now.failed - base.failed : now.failed;
      }
      const total = read + failed;
      const rate = total === 0 ? 0 : failed / total;
      const reverted = total >= this.#minFrames && rate > this.#threshold;
      if (reverted) {
        const percent = (rate * 100).toFixed(1);
        await this.#coordinator.revertRamp(record.capability, {
          actor: this.#actor,
          reason: `${percent}% of ${record.capability} v${level} frames failed to decode (${failed} of ${total}), above the ${(this.#threshold * 100).toFixed(1)}% threshold`,
        });
        this.#baselines.delete(key);
      }
      verdicts.push({ capability: record.capability, level, read, failed, reverted });
    }
    for (const key of this.#baselines.keys()) if (!live.has(key)) this.#baselines.delete(key);
    return verdicts;
  }

  /** Checks every `intervalMs` until {@link RampGuard.stop}; failures of a pass are passed to `onError`. */
  start(onError: (error: unknown) => void = () => {}): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.check().catch(onError), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the periodic checks. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function countsAt(counts: FrameCounts | undefined): { read: number; failed: number } {
  return { read: counts?.[0] ?? 0, failed: counts?.[2] ?? 0 };
}
