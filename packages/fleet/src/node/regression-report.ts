import { isTwostepError } from "@twostep/core";
import type { Logger } from "pino";
import type { ControlPlane } from "../control-plane/control-plane.js";
import { FleetErrorCode } from "../errors/fleet-errors.js";

const empty = new Uint8Array(0);

/**
 * A node's report that the store went backwards, kept where every joining
 * node reads it (`ControlPlane.reportRegression`): its heartbeat, stored
 * again with each heartbeat while the node holds records the store lost,
 * and withdrawn at the first heartbeat after, or when the node leaves. The
 * heartbeat alone would not do: a joining node reads only the heartbeat
 * stored last, and another node's clean one may come after it. Failures are
 * logged, and the next heartbeat tries again.
 */
export class RegressionReport {
  readonly #plane: ControlPlane;
  readonly #nodeId: string;
  readonly #logger: Logger;
  /** Revision of the report this process stored last, 0 when it keeps none. */
  #revision = 0;

  constructor(plane: ControlPlane, nodeId: string, logger: Logger) {
    this.#plane = plane;
    this.#nodeId = nodeId;
    this.#logger = logger;
  }

  /** Keeps `heartbeat` as the report while `regressed`, else withdraws the report kept, if any. */
  async update(heartbeat: Uint8Array, regressed: boolean): Promise<void> {
    if (!regressed) return this.withdraw();
    try {
      // Whatever is kept: another process under this node id may report too, and either report refuses a join.
      this.#revision = await this.#plane.reportRegression(this.#nodeId, heartbeat);
    } catch (error) {
      this.#logger.warn({ err: error }, "could not keep the report that the store went backwards; trying again at the next heartbeat");
    }
  }

  /** Withdraws the report this process kept, unless another process under its node id reported since (its report stays). */
  async withdraw(): Promise<void> {
    if (this.#revision === 0) return;
    try {
      await this.#plane.reportRegression(this.#nodeId, empty, { expect: this.#revision, tombstone: true });
      this.#revision = 0;
    } catch (error) {
      if (isTwostepError(error) && error.code === FleetErrorCode.RevisionConflict) this.#revision = 0;
      else this.#logger.warn({ err: error }, "could not withdraw the report that the store went backwards; trying again at the next heartbeat");
    }
  }
}
