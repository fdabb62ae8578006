import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type Logger, pino } from "pino";
import { BeatStore } from "./beat-store.js";
import { checkWhole } from "./check-number.js";
import { clientOptions, type NatsTlsOptions } from "./client-options.js";
import { openStreams } from "./fleet-streams.js";
import { NatsControlPlane } from "./nats-control-plane.js";
import { natsLayout } from "./nats-layout.js";
import { type MalformedSubject, NatsSession } from "./nats-session.js";
import { translateNatsError } from "./translate-nats-error.js";

/** Options of {@link connectNatsControlPlane}. */
export interface NatsControlPlaneOptions {
  /** Server URLs, such as `nats://127.0.0.1:4222`; several for a cluster. A `tls://` URL requires TLS. */
  readonly servers: string | readonly string[];
  /** Path of a `.creds` file (user JWT and nkey seed), for decentralized auth. */
  readonly creds?: string;
  /** User name, for config-file auth (with `pass`). */
  readonly user?: string;
  readonly pass?: string;
  /** A token, for token auth. */
  readonly token?: string;
  /** Path of a file holding a user's nkey seed (`SU…`, as `nk -gen user` writes it), for nkey auth. */
  readonly nkeySeedFile?: string;
  /**
   * TLS: the CA of the server's certificate, and the client's certificate
   * and key for a server that verifies clients. Given (even empty), TLS is
   * required; without it the client still takes TLS when the server
   * requires it, trusting the system's CAs.
   */
  readonly tls?: NatsTlsOptions;
  /** Connection name, shown by the server's monitoring. Defaults to `twostep`. */
  readonly name?: string;
  /** Prefix of every stream and subject name (see docs/nats.md, "Layout"). Defaults to `twostep`. */
  readonly bucketPrefix?: string;
  /**
   * Creates missing streams. Defaults to true. Nodes, on restricted
   * credentials, pass false and only bind to what a release manager created.
   */
  readonly create?: boolean;
  /** Replicas of the streams created here: 1 on a single server, 3 (or 5) in a cluster. Defaults to 1. */
  readonly replicas?: number;
  /** Max age of heartbeats in a heartbeat stream created here, in ms. Defaults to 60 s; an existing stream's own max age is in force. */
  readonly beatTtlMs?: number;
  /**
   * Timeout of each request, of the connection attempt, and of a read that
   * makes no progress, in ms. Defaults to 5 s. With every server gone or
   * hung, a call fails within about this long (a read: within twice it).
   */
  readonly timeoutMs?: number;
  /** Period of a follower's backstop resync, in ms (each wait jittered by ±20 %). Defaults to 60 s. */
  readonly resyncMs?: number;
  /** Receives each message found under a subject twostep does not write; it is skipped either way. */
  readonly onMalformed?: (report: MalformedSubject) => void;
  /** Structured logger. Defaults to pino at the level of `TWOSTEP_LOG_LEVEL` (else `warn`). */
  readonly logger?: Logger;
}

/**
 * Connects to NATS and opens (or, with `create`, makes) the control plane's
 * two streams under `bucketPrefix`, checking their configuration. The
 * connection reconnects forever; calls made while it is down fail with
 * `ControlPlaneUnreachableError` after `timeoutMs`. Throws
 * `ControlPlaneUnreachableError` when no server answers,
 * `AuthenticationFailedError` when the credentials are refused or the
 * server's certificate does not verify, `InvalidRequestError` for bad
 * options and for a credentials, seed or TLS file that cannot be read or
 * does not hold what it should, and
 * `ControlPlaneMisconfiguredError` for missing or misconfigured streams.
 */
export async function connectNatsControlPlane(options: NatsControlPlaneOptions): Promise<NatsControlPlane> {
  const layout = natsLayout(options.bucketPrefix ?? "twostep");
  const beatTtlMs = options.beatTtlMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const resyncMs = options.resyncMs ?? 60_000;
  const replicas = options.replicas ?? 1;
  checkWhole("beatTtlMs", beatTtlMs, 1_000);
  checkWhole("timeoutMs", timeoutMs, 1);
  checkWhole("resyncMs", resyncMs, 1);
  checkWhole("replicas", replicas, 1);
  const servers = typeof options.servers === "string" ? options.servers.split(",").map((server) => server.trim()) : [...options.servers];
  const where = servers.join(", ");
  const logger = (options.logger ?? pino({ name: "twostep", level: process.env["TWOSTEP_LOG_LEVEL"] ?? "warn" })).child({
    component: "nats-control-plane",
    prefix: layout.prefix,
  });
  const connection = await connect(await clientOptions(servers, options, { name: options.name ?? "twostep", timeoutMs })).catch((error: unknown) => {
    throw translateNatsError(error, { operation: "connect", servers: where, prefix: layout.prefix, connecting: true });
  });
  try {
    const js = jetstream(connection, { timeout: timeoutMs });
    const jsm = await jetstreamManager(connection, { timeout: timeoutMs, checkAPI: false });
    const session = new NatsSession({ connection, js, jsm, layout, servers: where, timeoutMs, logger, onMalformed: options.onMalformed });
    const create = options.create ?? true;
    const opened = await session.call(`${create ? "create" : "bind to"} the streams under prefix "${layout.prefix}"`, () =>
      openStreams(jsm, layout, { create, replicas, beatTtlMs }, logger),
    );
    for (const [stream, count] of opened.replicas) session.setReplicas(stream, count);
    return new NatsControlPlane(session, new BeatStore(session, opened.beatTtlMs), resyncMs);
  } catch (error) {
    await connection.close();
    throw error;
  }
}
