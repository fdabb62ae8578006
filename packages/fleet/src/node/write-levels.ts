import { CannotWriteVersionError } from "@twostep/core";
import type { BuildRecord } from "../records/build-record.js";
import type { Labels } from "../records/member-record.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";
import { type WritePlan, writePlan } from "./write-plan.js";
import { WriteShare } from "./write-share.js";

/**
 * The levels a node writes, per capability: the write plan under the record
 * it holds, and which writes of a ramp go to its target.
 */
export class WriteLevels {
  readonly #plans = new Map<string, WritePlan>();
  readonly #share = new WriteShare();
  readonly #build: BuildRecord;
  readonly #labels: Labels;
  readonly #nodeId: string;

  constructor(build: BuildRecord, labels: Labels, nodeId: string) {
    this.#build = build;
    this.#labels = labels;
    this.#nodeId = nodeId;
  }

  /** Works out the write plan of `capability` under `record` (none: writes are closed). */
  replan(capability: string, record: WriteLevelRecord | undefined): void {
    this.#plans.set(capability, writePlan(capability, record, this.#build.capabilities[capability]?.writes, this.#labels));
  }

  /** The write plan of `capability`, once worked out. */
  plan(capability: string): WritePlan | undefined {
    return this.#plans.get(capability);
  }

  /**
   * The level of one write of `capability`: the plan's base, or the ramp
   * target for the ramp's share (by `key`, by node, or spread over the
   * stream). Throws {@link CannotWriteVersionError} when writes are closed.
   */
  select(capability: string, key: string | undefined): number {
    const plan = this.#plans.get(capability);
    // The error is built apart: this runs for every frame written, and the engine inlines it only while it is small.
    if (plan === undefined || plan.base === null) throw this.#closed(capability, plan);
    const ramp = plan.ramp;
    if (ramp === null) return plan.base;
    return this.#share.select(capability, ramp.percent, ramp.by === "node" ? `node:${this.#nodeId}` : key) ? ramp.to : plan.base;
  }

  /** Why `capability` may not be written under `plan` (none: no record was ever applied). */
  #closed(capability: string, plan: WritePlan | undefined): CannotWriteVersionError {
    const writes = this.#build.capabilities[capability]?.writes;
    const closed = plan ?? writePlan(capability, undefined, writes, this.#labels);
    return new CannotWriteVersionError(capability, null, writes ?? { min: 0, max: 0 }, closed.closed ?? undefined);
  }
}
