import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type ConnectionOptions, connect, type NatsConnection } from "@nats-io/transport-node";

/** A plain NATS client, to look at and tamper with what the control plane stored. */
export interface RawNats extends AsyncDisposable {
  readonly connection: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

/** Connects a raw client to `servers`; dispose of it (or close its connection) after the test. */
export async function rawNats(servers: string | readonly string[], options: Partial<ConnectionOptions> = {}): Promise<RawNats> {
  const connection = await connect({ servers: typeof servers === "string" ? servers : [...servers], ...options });
  const js = jetstream(connection);
  return { connection, js, jsm: await jetstreamManager(connection, { checkAPI: false }), [Symbol.asyncDispose]: () => connection.close() };
}
