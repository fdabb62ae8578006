import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** Options of {@link serveMetrics}. */
export interface ServeMetricsOptions {
  /** The registry to serve (`nodeMetrics(...).registry`, `fleetMetrics(...).registry`, or one that merges them). */
  readonly registry: Registry;
  /** The port to listen on; 0 lets the OS pick a free one (read it back from {@link MetricsServer.port}). */
  readonly port: number;
  /** The address to listen on. Defaults to `127.0.0.1`: metrics stay on the machine unless you say otherwise. */
  readonly host?: string;
  /** The path of the metrics. Defaults to `/metrics`. */
  readonly path?: string;
}

/** A running metrics endpoint; close it when the process stops, or hold it with `await using`. */
export interface MetricsServer extends AsyncDisposable {
  /** `http://HOST:PORT/metrics`. */
  readonly url: string;
  /** `HOST:PORT`: what a Prometheus scrape configuration lists as a target. */
  readonly address: string;
  readonly port: number;
  /** Stops listening and closes open connections (Prometheus keeps its own alive). Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves `registry` in Prometheus's text format on `GET path` with
 * node:http, for processes that have no HTTP server of their own (one that
 * does mounts `registry.metrics()` on its own route instead). Other paths
 * answer 404 and other methods 405; a collection that fails answers 500,
 * which Prometheus records as a failed scrape (`up` is 0). Resolves once it
 * listens.
 */
export async function serveMetrics(options: ServeMetricsOptions): Promise<MetricsServer> {
  const { registry } = options;
  const host = options.host ?? "127.0.0.1";
  const path = options.path ?? "/metrics";
  const server = createServer((request, response) => void answer(registry, path, request, response));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const address = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  return { url: `http://${address}${path}`, address, port, close, [Symbol.asyncDispose]: close };
}

async function answer(registry: Registry, path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { pathname } = new URL(request.url ?? "/", "http://localhost");
  if (pathname !== path) {
    response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`not found: the metrics are at ${path}\n`);
    return;
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("only GET and HEAD\n");
    return;
  }
  try {
    const text = await registry.metrics();
    response.writeHead(200, { "content-type": registry.contentType }).end(request.method === "HEAD" ? undefined : text);
  } catch (error) {
    response
      .writeHead(500, { "content-type": "text/plain; charset=utf-8" })
      .end(`collecting the metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
