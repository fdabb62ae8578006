import { createServer, type Socket, connect as tcpConnect } from "node:net";

/** A TCP proxy in front of a server, whose connections a test can cut. */
export interface TcpProxy extends AsyncDisposable {
  /** `nats://127.0.0.1:PORT` of the proxy. */
  readonly url: string;
  /** Destroys every connection open now; new ones are accepted again at once. */
  cut(): void;
  close(): Promise<void>;
}

/** Listens on a free port and forwards each connection to 127.0.0.1:`targetPort`. */
export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer((client) => {
    const upstream = tcpConnect({ host: "127.0.0.1", port: targetPort });
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");
  const cut = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  const close = async (): Promise<void> => {
    cut();
    await new Promise((resolve) => server.close(resolve));
  };
  return { url: `nats://127.0.0.1:${address.port}`, cut, close, [Symbol.asyncDispose]: close };
}
