import { jetstream } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { WriteLevelRecord } from "@twostep/fleet";
import { twostepRecordFormats } from "@twostep/fleet/internal";
import { connectNatsControlPlane, type NatsControlPlane } from "@twostep/nats";
import type { BenchServers } from "./bench-servers.js";
import { enableLevels } from "./direct-writes.js";
import { WIDE_TYPES } from "./wide-protocol.js";
import type { StartRaw, StartTwostep } from "./worker-protocol.js";

/** The capability whose record the followers follow, of the shop protocol. */
const SHOP_CAPABILITY = "orders.OrderPlaced";
const PREFIX = "bench";
const RAW_BUCKET = "raw_records";
const RAW_BEATS = "raw_beats";

/**
 * One record followed two ways on one server: twostep's level record of
 * one type (written by a release manager's control plane) and the same
 * bytes under one key of a raw KV bucket. Each `flip` writes a change
 * (the level goes between 1 and 2, which every node reads) and returns its
 * revision.
 */
export interface FollowSetup {
  readonly twostep: Omit<StartTwostep, "op" | "from" | "count">;
  readonly raw: Omit<StartRaw, "op" | "from" | "count">;
  flipTwostep(): Promise<number>;
  flipRaw(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Creates both sides with heartbeats every `heartbeatMs` (3 s, as nodes do
 * by default): twostep's on `servers`, the raw one on `rawServers` (the
 * same ones unless given). The nodes run the shop protocol, or with `wide`
 * the 50 types of {@link wideProtocol} (each with a record; the first is
 * the one that changes).
 */
export async function followSetup(
  servers: BenchServers,
  heartbeatMs = 3_000,
  rawServers: BenchServers = servers,
  protocol: "shop" | "wide" = "shop",
): Promise<FollowSetup> {
  const capability = protocol === "wide" ? (WIDE_TYPES[0] as string) : SHOP_CAPABILITY;
  const release: NatsControlPlane = await connectNatsControlPlane({ servers: [...servers.urls], bucketPrefix: PREFIX, replicas: servers.replicas });
  let connection: NatsConnection | undefined;
  try {
    await enableLevels(release, protocol === "wide" ? WIDE_TYPES : [capability], 2);
    const stored = await release.get({ kind: "level", capability });
    const decoded = stored === undefined ? undefined : twostepRecordFormats.decode("level", stored.value);
    if (stored === undefined || decoded?.ok !== true) throw new Error("the bench's level record was not written");
    const record: WriteLevelRecord = decoded.value;
    connection = await connect({ servers: [...rawServers.urls], name: "bench-raw-writer" });
    const kvm = new Kvm(jetstream(connection));
    const [records]: KV[] = await Promise.all([
      kvm.create(RAW_BUCKET, { history: 1, replicas: rawServers.replicas }),
      kvm.create(RAW_BEATS, { history: 1, ttl: 60_000, replicas: rawServers.replicas }),
    ]);
    if (records === undefined) throw new Error("no raw bucket");
    const encode = (level: number) => twostepRecordFormats.encode("level", { ...record, level, levelSince: Date.now() }, 1);
    let rawRevision = await records.put(capability, encode(2));
    let revision = stored.revision;
    let flips = 0;
    const writer = connection;
    return {
      twostep: { servers: servers.urls, prefix: PREFIX, protocol, heartbeatMs, concurrency: 25 },
      raw: { servers: rawServers.urls, bucket: RAW_BUCKET, key: capability, beatsBucket: RAW_BEATS, capability, heartbeatMs, concurrency: 25 },
      flipTwostep: async () => {
        revision = await release.append({ kind: "level", capability }, encode(flips++ % 2 === 0 ? 1 : 2), { expect: revision });
        return revision;
      },
      flipRaw: async () => {
        rawRevision = await records.update(capability, encode(flips++ % 2 === 0 ? 1 : 2), rawRevision);
        return rawRevision;
      },
      close: async () => {
        await Promise.all([release.close(), writer.close()]);
      },
    };
  } catch (error) {
    await Promise.all([release.close(), connection?.close()]);
    throw error;
  }
}
