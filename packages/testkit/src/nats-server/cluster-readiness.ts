import { monitor, placesReplicas } from "./probes.js";

/** A running server of a cluster, as {@link clusterReadiness} probes it. */
export interface ProbedServer {
  /** Its `server_name`. */
  readonly name: string;
  /** Its client port. */
  readonly port: number;
  /** The port of its monitoring listener. */
  readonly monitorPort: number;
}

/** What the meta leader's `/jsz?leader-only=true` says about the meta group (nats-server 2.9). */
interface MetaCluster {
  readonly leader?: string;
  readonly cluster_size?: number;
  readonly replicas?: readonly { readonly name?: string; readonly current?: boolean; readonly offline?: boolean }[];
}

/** JetStream places at most this many replicas of a stream. */
const maxReplicas = 5;

/**
 * Why the JetStream of a cluster of `size` servers, of which `running` run,
 * is not ready yet; `undefined` once it is, which takes all of:
 *
 * - every running server's `/healthz?js-server-only=true` is ok: it is in
 *   contact with a meta leader and current with it (the full `/healthz`
 *   also wants every stream replica current, which a follower of a stream
 *   that never stored a message is not on 2.9.10 after a restart);
 * - the meta leader's `/jsz?leader-only=true` counts all `size` servers in
 *   the meta group and shows every other running server current and online;
 * - the meta leader places an in-memory stream on as many replicas as servers
 *   run (at most 5), and deletes it again.
 *
 * The last probe is needed because nats-server 2.9.10 exposes no view of
 * what its placement uses: the meta leader keeps, per server, the JetStream
 * limits and usage of that server's last statistics message, and forgets
 * them whenever a route to the server is (re)connected. Until the server's
 * next message, which may come seconds later, it counts as offline for
 * placement (`no suitable peers for placement, peer offline`), though
 * `/healthz` and `/jsz` already call it current.
 */
export async function clusterReadiness(running: readonly ProbedServer[], size: number): Promise<string | undefined> {
  for (const server of running) {
    const health = await monitor(server.monitorPort, "/healthz?js-server-only=true");
    if (health?.body["status"] !== "ok") return `${server.name}: ${String(health?.body["error"] ?? "no answer on /healthz")}`;
  }
  let leader: ProbedServer | undefined;
  let meta: MetaCluster | undefined;
  for (const server of running) {
    const jsz = await monitor(server.monitorPort, "/jsz?leader-only=true");
    if (jsz?.status !== 200) continue;
    leader = server;
    meta = jsz.body["meta_cluster"] as MetaCluster | undefined;
    break;
  }
  if (leader === undefined || meta === undefined) return "no running server is the JetStream meta leader";
  if (meta.cluster_size !== size) return `the JetStream meta group counts ${meta.cluster_size} servers, not ${size}`;
  for (const server of running) {
    if (server === leader) continue;
    const peer = meta.replicas?.find((replica) => replica.name === server.name);
    if (peer === undefined) return `the meta leader ${leader.name} does not know ${server.name} yet`;
    if (peer.offline === true) return `the meta leader ${leader.name} sees ${server.name} offline`;
    if (peer.current !== true) return `the meta leader ${leader.name} sees ${server.name} not current`;
  }
  const replicas = Math.min(running.length, maxReplicas);
  if (!(await placesReplicas(leader.port, replicas))) return `the meta leader ${leader.name} cannot place ${replicas} replicas yet`;
  return undefined;
}
