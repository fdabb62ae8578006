import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";

/** A plain NATS client, to look at and tamper with what the control plane stored. */
export interface RawNats extends AsyncDisposable {
  readonly connection: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly kvm: Kvm;
}

/** Connects a raw client to `url`; dispose of it (or close its connection) after the test. */
export async function rawNats(url: string): Promise<RawNats> {
  const connection = await connect({ servers: url });
  const js = jetstream(connection);
  return { connection, js, jsm: await jetstreamManager(connection), kvm: new Kvm(js), [Symbol.asyncDispose]: () => connection.close() };
}
