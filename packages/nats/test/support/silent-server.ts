import { createServer, type Server, type Socket } from "node:net";

/** A TCP server that accepts connections and never says a word, as a hung nats-server does. */
export async function silentServer(): Promise<{ url: string; close: () => Promise<void> } & AsyncDisposable> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
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
  return { url: `nats://127.0.0.1:${address.port}`, close, [Symbol.asyncDispose]: close };
}
