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
