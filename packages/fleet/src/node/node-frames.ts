import {
  CannotWriteVersionError,
  CorruptFrameError,
  isTwostepError,
  type MessageType,
  type Protocol,
  type ProtocolFrame,
  type TwostepError,
} from "@twostep/core";
import type { Logger } from "pino";
import type { LevelRange } from "../records/level-range.js";
import { type DeadLetter, failedFrame } from "./dead-letter.js";
import type { FrameObserver } from "./frame-observer.js";
import type { LevelCounts, NodeMetrics } from "./node-metrics.js";

/** What {@link NodeFrames} counts with and reports to. */
export interface NodeFramesOptions<P extends Protocol> {
  readonly protocol: P;
  readonly nodeId: string;
  readonly metrics: NodeMetrics;
  readonly observer: FrameObserver | undefined;
  readonly onDeadLetter: (letter: DeadLetter) => void;
  readonly logger: Logger;
}

/**
 * Encodes and decodes a node's frames at the versions it is given, counting
 * every frame read, written and failed (timed for the observer, when there
 * is one); a frame that cannot be decoded goes to the dead-letter hook.
 */
export class NodeFrames<P extends Protocol = Protocol> {
  readonly #protocol: P;
  readonly #nodeId: string;
  readonly #metrics: NodeMetrics;
  readonly #observer: FrameObserver | undefined;
  readonly #onDeadLetter: (letter: DeadLetter) => void;
  readonly #logger: Logger;

  constructor(options: NodeFramesOptions<P>) {
    this.#protocol = options.protocol;
    this.#nodeId = options.nodeId;
    this.#metrics = options.metrics;
    this.#observer = options.observer;
    this.#onDeadLetter = options.onDeadLetter;
    this.#logger = options.logger;
  }

  /** Encodes `value` at `version`, which counts as written at `now` (the node's clock) even when the value then fails to encode. */
  encode(messageType: MessageType<unknown>, value: unknown, version: number, now: number): Uint8Array {
    // The level counts as written once handed out, even when the value then fails to encode: a retirement waits for it.
    const counts = this.#metrics.wrote(messageType.name, version, now);
    const observer = this.#observer;
    if (observer !== undefined) return this.#encodeTimed(observer, messageType, value, version, counts);
    const frame = messageType.encode(value, version);
    counts.written++;
    return frame;
  }

  /** The end of {@link NodeFrames.encode} when an observer is told how long each frame took. */
  #encodeTimed(observer: FrameObserver, messageType: MessageType<unknown>, value: unknown, version: number, counts: LevelCounts): Uint8Array {
    const started = process.hrtime.bigint();
    const frame = messageType.encode(value, version);
    observer.encoded(messageType.name, version, Number(process.hrtime.bigint() - started) / 1e9);
    counts.written++;
    return frame;
  }

  /** Encodes a reply at `version`, counted as written (a reply's level is the requester's choice, not the fleet's). */
  encodeReply(messageType: MessageType<unknown>, value: unknown, version: number): Uint8Array {
    const frame = messageType.encode(value, version);
    this.#metrics.count("written", messageType.name, version);
    return frame;
  }

  /** Decodes a frame; one that cannot be decoded is dead-lettered and counted as failed, and `undefined` is returned. */
  decode(frame: Uint8Array): ProtocolFrame<P> | undefined {
    const observer = this.#observer;
    if (observer !== undefined) return this.#decodeTimed(observer, frame);
    try {
      const decoded = this.#protocol.decode(frame) as ProtocolFrame<P>;
      this.#metrics.read(decoded.name, decoded.version);
      return decoded;
    } catch (error) {
      this.#deadLetter(frame, error);
      return undefined;
    }
  }

  /** {@link NodeFrames.decode} when an observer is told how long each frame took: apart, so that frames without one pay nothing for it. */
  #decodeTimed(observer: FrameObserver, frame: Uint8Array): ProtocolFrame<P> | undefined {
    const started = process.hrtime.bigint();
    try {
      const decoded = this.#protocol.decode(frame) as ProtocolFrame<P>;
      observer.decoded(decoded.name, decoded.version, Number(process.hrtime.bigint() - started) / 1e9);
      this.#metrics.read(decoded.name, decoded.version);
      return decoded;
    } catch (error) {
      this.#deadLetter(frame, error);
      return undefined;
    }
  }

  #deadLetter(frame: Uint8Array, error: unknown): void {
    const failed = failedFrame(this.#protocol, error);
    this.#metrics.count("failed", failed.type, failed.level);
    this.#observer?.deadLettered(failed.type, failed.level, failed.code);
    let typed: TwostepError;
    if (isTwostepError(error)) {
      typed = error;
    } else {
      // Core promises typed errors only; anything else is a bug, logged loudly, and the frame still goes on.
      this.#logger.error({ err: error }, "decode threw an untyped error");
      typed = new CorruptFrameError(`the decoder failed unexpectedly (${String(error)})`, { cause: error });
    }
    try {
      this.#onDeadLetter({ frame, error: typed, nodeId: this.#nodeId, at: Date.now() });
    } catch (hookError) {
      this.#logger.error({ err: hookError }, "dead-letter hook failed");
    }
  }
}

/**
 * The version to reply in to a requester that reads `requesterReads` of
 * `messageType`: the highest one it reads and this build writes. Throws
 * {@link CannotWriteVersionError} when there is none.
 */
export function replyLevel(messageType: MessageType<unknown>, requesterReads: LevelRange): number {
  const top = Math.min(requesterReads.max, messageType.writes.max);
  if (top < Math.max(requesterReads.min, messageType.writes.min)) {
    throw new CannotWriteVersionError(messageType.name, requesterReads.max, messageType.writes);
  }
  return top;
}
