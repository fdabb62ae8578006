import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { NatsLayout } from "./nats-layout.js";
import { translateNatsError } from "./translate-nats-error.js";

/** A subject found in a stream that twostep cannot have written: it is skipped and reported. */
export interface MalformedSubject {
  /** The stream it is in. */
  readonly stream: string;
  readonly subject: string;
  readonly seq: number;
  /** What is wrong with it, in words. */
  readonly problem: string;
}

/** What the parts of the control plane share: one connection, its clients, the layout and the limits. */
export class NatsSession {
  readonly connection: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly layout: NatsLayout;
  /** The servers in words, for error messages. */
  readonly servers: string;
  /** Timeout of each request, and of a read that makes no progress. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly #onMalformed: ((report: MalformedSubject) => void) | undefined;
  /** Replicas of each stream opened, by name. */
  readonly #replicas = new Map<string, number>();

  constructor(parts: {
    connection: NatsConnection;
    js: JetStreamClient;
    jsm: JetStreamManager;
    layout: NatsLayout;
    servers: string;
    timeoutMs: number;
    logger: Logger;
    onMalformed: ((report: MalformedSubject) => void) | undefined;
  }) {
    this.connection = parts.connection;
    this.js = parts.js;
    this.jsm = parts.jsm;
    this.layout = parts.layout;
    this.servers = parts.servers;
    this.timeoutMs = parts.timeoutMs;
    this.logger = parts.logger;
    this.#onMalformed = parts.onMalformed;
  }

  /** Records that `stream` has `replicas` replicas (as its configuration said when the streams were opened). */
  setReplicas(stream: string, replicas: number): void {
    this.#replicas.set(stream, replicas);
  }

  /**
   * Whether a consumer creation on `stream` unanswered for a while gets
   * another one beside it (see `createConsumerBefore`): only when the stream
   * has several replicas (or is not known to have one). A one-replica
   * stream's consumers live on its one server, where another creation only
   * adds to the load that makes the first one slow.
   */
  hedges(stream: string): boolean {
    const replicas = this.#replicas.get(stream);
    return replicas === undefined || replicas > 1;
  }

  /** Runs `action`, turning the client's errors into the typed errors of `@twostep/fleet` for `operation`. */
  async call<T>(operation: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw translateNatsError(error, { operation, servers: this.servers, prefix: this.layout.prefix });
    }
  }

  /** Logs a subject twostep cannot have written and hands it to the `onMalformed` hook. */
  malformed(report: MalformedSubject): void {
    this.logger.warn(report, "skipped a message under a subject twostep does not write");
    try {
      this.#onMalformed?.(report);
    } catch (error) {
      this.logger.error({ err: error }, "the onMalformed hook threw");
    }
  }
}
