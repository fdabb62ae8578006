import { readFile } from "node:fs/promises";
import { JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV, type KvOptions } from "@nats-io/kv";
import { connect, credsAuthenticator, nanos, type NatsConnection } from "@nats-io/transport-node";
import { InvalidRequestError, type MalformedRecord } from "@twostep/fleet";
import { pino, type Logger } from "pino";
import { NatsControlPlane } from "./nats-control-plane.js";
import { kvStream, natsLayout, type NatsLayout } from "./nats-layout.js";
import { findCause, translateNatsError } from "./translate-nats-error.js";

/** Options of {@link connectNatsControlPlane}. */
export interface NatsControlPlaneOptions {
  /** Server URLs, such as `nats://127.0.0.1:4222`; several for a cluster. */
  readonly servers: string | readonly string[];
  /** Path of a `.creds` file (user JWT and nkey seed), for decentralized auth. */
  readonly creds?: string;
  /** User name, for config-file auth (with `pass`). */
  readonly user?: string;
  readonly pass?: string;
  /** Connection name, shown by the server's monitoring. Defaults to `twostep`. */
  readonly name?: string;
  /** Prefix of the bucket, stream and subject names (see docs/nats.md). Defaults to `twostep`. */
  readonly bucketPrefix?: string;
  /**
   * TTL of advertisements: the bucket's max age when this connection
   * creates it, and the age past which a listing no longer shows one.
   * Defaults to 30 s; keep it above the coordinator's staleness limit (15 s).
   * When the bucket already exists, its own TTL wins (and a difference is logged).
   */
  readonly advertisementTtlMs?: number;
  /**
   * Creates missing buckets and the audit stream. Defaults to true. Nodes
   * with restricted credentials pass false and only bind to what a
   * release-manager connection created.
   */
  readonly create?: boolean;
  /** Replicas of the buckets and stream created here: 1 on a single server, 3 (or 5) in a cluster. Defaults to 1. */
  readonly replicas?: number;
  /** Timeout of each JetStream request, in ms. Defaults to 5 s. */
  readonly timeoutMs?: number;
  /** Receives every record that fails validation when read; it is skipped either way. */
  readonly onMalformed?: (record: MalformedRecord) => void;
  /** Structured logger. Defaults to pino at the level of `TWOSTEP_LOG_LEVEL` (else `warn`). */
  readonly logger?: Logger;
}

/** History kept per capability in the levels bucket: enough to see the last changes with `nats kv history`. */
const levelHistory = 64;

/**
 * Connects to NATS and opens (or, with `create`, makes) the control plane's
 * buckets and audit stream under `bucketPrefix`. The connection reconnects
 * forever; operations made while it is down fail with
 * `ControlPlaneUnreachableError` after `timeoutMs`. Throws
 * `ControlPlaneUnreachableError` when no server answers,
 * `PermissionDeniedError` when the credentials are refused, and
 * `InvalidRequestError` for bad options, `ControlPlaneMisconfiguredError` for missing buckets.
 */
export async function connectNatsControlPlane(options: NatsControlPlaneOptions): Promise<NatsControlPlane> {
  const layout = natsLayout(options.bucketPrefix ?? "twostep");
  const ttl = options.advertisementTtlMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const replicas = options.replicas ?? 1;
  checkWhole("advertisementTtlMs", ttl, 1);
  checkWhole("timeoutMs", timeoutMs, 1);
  checkWhole("replicas", replicas, 1);
  const servers = typeof options.servers === "string" ? [options.servers] : [...options.servers];
  const where = servers.join(", ");
  const logger = (options.logger ?? pino({ name: "twostep", level: process.env["TWOSTEP_LOG_LEVEL"] ?? "warn" })).child({
    component: "nats-control-plane",
    prefix: layout.prefix,
  });
  const context = (operation: string) => ({ operation, servers: where, prefix: layout.prefix });
  const authenticator = options.creds === undefined ? undefined : credsAuthenticator(await readCreds(options.creds));
  let connection: NatsConnection;
  try {
    connection = await connect({
      servers,
      name: options.name ?? "twostep",
      // A control plane outlives outages: keep reconnecting, and fail operations meanwhile by their timeout.
      maxReconnectAttempts: -1,
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.pass === undefined ? {} : { pass: options.pass }),
      ...(authenticator === undefined ? {} : { authenticator }),
    });
  } catch (error) {
    throw translateNatsError(error, context("connect"));
  }
  try {
    const js = jetstream(connection, { timeout: timeoutMs });
    const jsm = await jetstreamManager(connection, { timeout: timeoutMs });
    const kvm = new Kvm(js);
    const create = options.create ?? true;
    // Direct get is off: every get goes to the stream leader (see docs/nats.md, "Reads").
    const open = (bucket: string, limits: Partial<KvOptions>): Promise<KV> =>
      create ? kvm.create(bucket, { ...limits, replicas, allow_direct: false }) : kvm.open(bucket, { allow_direct: false });
    const [adverts, members, levels] = await Promise.all([
      open(layout.adverts, { history: 1, ttl }),
      open(layout.members, { history: 1 }),
      open(layout.levels, { history: levelHistory }),
    ]);
    let ttlInForce = ttl;
    // Binding makes no request; check here that the buckets exist, rather than fail at the first use.
    if (!create) await jsm.streams.info(kvStream(layout.levels));
    if (create) {
      await ensureAuditStream(jsm, layout, replicas);
      const bucketTtl = (await adverts.status()).ttl;
      if (bucketTtl !== ttl) {
        logger.warn({ bucket: layout.adverts, bucketTtl, asked: ttl }, "the advertisements bucket exists with another TTL; using the bucket's");
        ttlInForce = bucketTtl;
      }
    }
    return new NatsControlPlane({
      connection,
      js,
      jsm,
      adverts,
      members,
      levels,
      layout,
      servers: where,
      advertisementTtlMs: ttlInForce,
      timeoutMs,
      onMalformed: options.onMalformed,
      logger,
    });
  } catch (error) {
    await connection.close();
    throw translateNatsError(error, context(`open the buckets under prefix "${layout.prefix}"`));
  }
}

async function ensureAuditStream(jsm: JetStreamManager, layout: NatsLayout, replicas: number): Promise<void> {
  try {
    await jsm.streams.info(layout.auditStream);
  } catch (error) {
    if (findCause(error, JetStreamApiError)?.code !== JetStreamApiCodes.StreamNotFound) throw error;
    await jsm.streams.add({
      name: layout.auditStream,
      subjects: [layout.auditSubjects],
      num_replicas: replicas,
      allow_direct: false,
      duplicate_window: nanos(120_000),
    });
  }
}

async function readCreds(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new InvalidRequestError(`cannot read the NATS credentials file ${path} (${code}): check the path given as creds`);
  }
}

function checkWhole(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new InvalidRequestError(`${name} ${value} is not a whole number of ${min} or more`);
}
