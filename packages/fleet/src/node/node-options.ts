import type { Protocol } from "@twostep/core";
import type { Logger } from "pino";
import type { ControlPlane } from "../control-plane/control-plane.js";
import type { FencedError } from "../errors/fleet-errors.js";
import type { CapabilitySupport } from "../records/build-record.js";
import type { Labels } from "../records/member-record.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";
import type { DeadLetter } from "./dead-letter.js";
import type { FrameObserver } from "./frame-observer.js";

/** Options of {@link startNode}. */
export interface NodeOptions<P extends Protocol = Protocol> {
  readonly controlPlane: ControlPlane;
  /** The message types this build reads and writes (a typed protocol makes `encode` and `decode` typed). */
  readonly protocol: P;
  /** Id of this node in the fleet; a restart may reuse it (each process start is its own incarnation). */
  readonly nodeId: string;
  readonly service: string;
  /** Build id of this binary: a version, a commit, an image digest. */
  readonly build: string;
  /** Feature capabilities besides the message types, such as `compression.zstd`. */
  readonly features?: Readonly<Record<string, CapabilitySupport>>;
  /**
   * The capabilities this node takes part in, when it takes part in only
   * some: it then neither blocks nor needs readers of the others. Defaults
   * to all, the safe choice (an old build lacking a new type blocks it).
   */
  readonly uses?: readonly string[];
  /** Labels (`zone`, `region`, `tier`, ...): ramps may choose writers by them. Defaults to none. */
  readonly labels?: Labels;
  /** Heartbeat period. Defaults to 3 s; keep it well under the lease. */
  readonly heartbeatMs?: number;
  /**
   * How long after its last acknowledged heartbeat was sent the node keeps
   * writing when it cannot reach the control plane. Defaults to 15 s. A
   * release manager may decommission it only once this and the clock margin
   * have passed. Must be below the control plane's heartbeat TTL
   * (`INVALID_REQUEST` at start otherwise): a heartbeat must outlive the
   * writes it stands for.
   */
  readonly leaseMs?: number;
  /** Receives every frame that cannot be decoded. Defaults to logging it at warn level. */
  readonly onDeadLetter?: (letter: DeadLetter) => void;
  /** Called each time the node stops writing (lease lost, decommissioned, a required level it cannot read). Defaults to logging at error level. */
  readonly onFenced?: (error: FencedError) => void;
  /**
   * Called each time the node applies a newer write-level record, with the
   * record and its revision. Records read when joining are not reported.
   * Runs on the delivery path, so keep it quick; an exception is logged and
   * changes nothing. Defaults to none.
   */
  readonly onWriteLevel?: (record: WriteLevelRecord, revision: number) => void;
  /** Structured logger. Defaults to one pino on stderr that the process's nodes share, at the level of `TWOSTEP_LOG_LEVEL` when the first of them started (else `warn`). */
  readonly logger?: Logger;
  /** A monotonic clock in ms, for the lease and "last written" times. Defaults to `performance.now`; tests pass a fake one. */
  readonly clock?: () => number;
  /** The formats of twostep's own records this build knows. Defaults to this twostep's; tests of twostep upgrades pass others. */
  readonly recordFormats?: RecordFormats<TwostepRecords>;
  /** Told of every frame encoded, decoded and dead-lettered, with timings (metrics). Defaults to none, which costs nothing. */
  readonly observer?: FrameObserver;
}

/** Options of {@link FleetNode.encode}. */
export interface EncodeOptions {
  /** The message key (an order id, a customer id): ramps hash it so one entity never flips between versions. */
  readonly key?: string;
}
