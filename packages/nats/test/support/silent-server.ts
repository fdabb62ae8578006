import { createServer, type Server, type Socket } from "node:net";

/** A TCP server that accepts connections and never says a word, as a hung nats-server does. */
export interface SilentServer extends AsyncDisposable {
  readonly url: string;
  /** How many connections it accepted: a client that retries connects again. */
  readonly connections: () => number;
  readonly close: () => Promise<void>;
}

/** Starts a {@link SilentServer} on 127.0.0.1 and a port the OS picks. */
export async function silentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return { url: `nats://127.0.0.1:${address.port}`, connections: () => accepted, close, [Symbol.asyncDispose]: close };
}
