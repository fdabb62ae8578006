import { connectNatsControlPlane } from "@twostep/nats";
import { controlPlaneContract } from "@twostep/testkit/contract";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { afterAll, beforeAll } from "vitest";

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(() => server.stop());

controlPlaneContract("NatsControlPlane", ({ namespace, beatTtlMs }) => connectNatsControlPlane({ servers: server.url, bucketPrefix: namespace, beatTtlMs }), {
  time: "real",
});
