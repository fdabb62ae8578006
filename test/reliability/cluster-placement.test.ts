import { setTimeout as sleep } from "node:timers/promises";
import { jetstreamManager, type StreamInfo } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startNatsCluster, type NatsCluster, type NatsClusterServer } from "@twostep/testkit/nats-server";
import { afterEach, expect, test } from "vitest";

let cluster: NatsCluster | undefined;
const connections: NatsConnection[] = [];

afterEach(async () => {
  await Promise.allSettled(connections.splice(0).map((connection) => connection.close()));
  await cluster?.stop();
  cluster = undefined;
});

/** Creates a file stream of replicas 3 named `name` through a connection to `servers`; no retry. */
async function createReplicated(servers: readonly NatsClusterServer[], name: string): Promise<StreamInfo> {
  const connection = await connect({ servers: servers.map((server) => server.url) });
  connections.push(connection);
  const jsm = await jetstreamManager(connection);
  return jsm.streams.add({ name, subjects: [`placement.${name}`], num_replicas: 3 });
}

function peersOf(info: StreamInfo): string[] {
  return [info.cluster?.leader ?? "", ...(info.cluster?.replicas ?? []).map((replica) => replica.name)].sort();
}

test("regression: right after startNatsCluster, and right after restart() of each server, a stream of replicas 3 is placed (no 'no suitable peers for placement')", {
  timeout: 120_000,
}, async () => {
  cluster = await startNatsCluster({ size: 3 });
  for (const server of cluster.servers) expect(peersOf(await createReplicated([server], `started_${server.name}`))).toEqual(["n1", "n2", "n3"]);
  // A restarted server's new route resets what the meta leader knows of it: placement counts it offline until its next statistics.
  for (const server of cluster.servers) {
    // Down for a moment, as in a failover test (not a wait for anything).
    await server.stop();
    await sleep(1_000);
    await server.restart();
    // Through the other servers, as a client already connected asks: a request through the restarted one would follow its statistics on the same route.
    const others = cluster.servers.filter((other) => other !== server);
    expect(peersOf(await createReplicated(others, `restarted_${server.name}`))).toEqual(["n1", "n2", "n3"]);
  }
});
