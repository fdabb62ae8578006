import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Coordinator, Rollouts } from "@twostep/fleet";
import { CliErrorCode, UsageError } from "../cli-errors.js";
import { historyJson } from "../json/history-json.js";
import { fleetSummaryJson } from "../json/fleet-summary-json.js";
import { statusJson } from "../json/status-json.js";
import { errorEvent } from "../json/watch-event.js";
import { allowedHosts, checkDashboardHost, checkDashboardPort, DEFAULT_DASHBOARD_HOST, DEFAULT_DASHBOARD_PORT } from "./dashboard-address.js";
import { DashboardFeed, type FeedEvent } from "./dashboard-feed.js";
import { loadDashboardPage, type PageFile } from "./dashboard-page.js";

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** Reads the fleet: status, history and its watch. */
  readonly coordinator: Coordinator;
  /** Reads the rollout plans. */
  readonly rollouts: Rollouts;
  /** The address to listen on. Defaults to 127.0.0.1. */
  readonly host?: string;
  /** The port; 0 takes a free one. Defaults to 4280. */
  readonly port?: number;
  /** Listen on an address other machines can reach (the operator named it). Defaults to false: such an address is refused. */
  readonly allowNonLoopback?: boolean;
  /** How often the status and the rollouts are read, in ms. Defaults to 1000. */
  readonly intervalMs?: number;
  /** How many history entries the page shows at most. Defaults to 50. */
  readonly historyLimit?: number;
}

/** A running dashboard. */
export interface Dashboard {
  /** Where the page is: `http://127.0.0.1:4280/`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops polling, ends the live channels and closes the server. */
  close(): Promise<void>;
}

/**
 * Headers of every answer. The policy lets the page load its own script,
 * style sheet and icon and open its own live channel, and nothing else: no
 * inline script or style, nothing from elsewhere, no framing, no form.
 */
const SECURITY_HEADERS: OutgoingHttpHeaders = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Cache-Control": "no-store",
};

/** The most history entries `/api/history` gives. */
const HISTORY_MAX = 1000;

/**
 * Starts the dashboard: a read-only web page of the fleet, and the JSON it
 * is drawn from. Serves, to GET only and only under the Host it listens on
 * (a request for another name, such as a rebound DNS name, gets 403):
 *
 * - `/` and its files (`/dashboard.js` and the modules it imports, `/dashboard.css`, `/favicon.svg`): the page, static;
 * - `/api/status[?capability=NAME]`: `twostep status --json`;
 * - `/api/fleet[?capability=NAME]`: `twostep status --json --summary`, the members counted, not listed, which the page is drawn from;
 * - `/api/history[?capability=NAME][&limit=N]`: `twostep history --json` (the last 50 entries unless `limit` says);
 * - `/api/rollouts`: the rollout plans, as `Rollouts.list()` gives them;
 * - `/api/events`: Server-Sent Events (see `DashboardFeed`).
 *
 * Reads the fleet once before it listens, so a control plane that cannot be
 * reached fails the start. Throws a `UsageError` for an address it may not
 * listen on or a port in use.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = checkDashboardHost(options.host ?? DEFAULT_DASHBOARD_HOST, options.allowNonLoopback ?? false);
  const port = checkDashboardPort(options.port ?? DEFAULT_DASHBOARD_PORT);
  const page = await loadDashboardPage();
  const historyLimit = options.historyLimit ?? 50;
  const feed = await DashboardFeed.start(options.coordinator, options.rollouts, { intervalMs: options.intervalMs ?? 1000, historyLimit });
  const streams = new Set<ServerResponse>();
  let hosts: ReadonlySet<string> = new Set();
  const server = createServer((request, response) => {
    void answer(request, response).catch((error: unknown) => {
      if (response.headersSent) return void response.end();
      // A bad parameter is the asker's (400); anything else is the control plane's, and may pass (503).
      const { code, message } = errorEvent(error);
      sendJson(response, code === CliErrorCode.Usage ? 400 : 503, { error: { code, message } });
    });
  });

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!hosts.has((request.headers.host ?? "").toLowerCase())) {
      return sendText(response, 403, `this dashboard answers only to ${[...hosts].join(" or ")}\n`);
    }
    if (request.method !== "GET") return sendText(response, 405, "the dashboard is read-only: GET only\n", { Allow: "GET" });
    const url = new URL(request.url ?? "/", "http://dashboard.invalid");
    const file = page.get(url.pathname);
    if (file !== undefined) return sendFile(response, file);
    switch (url.pathname) {
      case "/api/status": {
        const capability = capabilityParameter(url);
        return sendJson(response, 200, statusJson(await options.coordinator.status(capability), capability));
      }
      case "/api/fleet": {
        const capability = capabilityParameter(url);
        return sendJson(response, 200, fleetSummaryJson(await options.coordinator.status(capability), capability));
      }
      case "/api/history": {
        const capability = capabilityParameter(url);
        const limit = limitParameter(url, historyLimit);
        const entries = await options.coordinator.history({ limit, ...(capability === undefined ? {} : { capability }) });
        return sendJson(response, 200, historyJson(entries));
      }
      case "/api/rollouts":
        return sendJson(response, 200, await options.rollouts.list());
      case "/api/events":
        return stream(response);
      default:
        return sendText(response, 404, "not found: the dashboard serves / and /api/status, /api/fleet, /api/history, /api/rollouts, /api/events\n");
    }
  }

  function stream(response: ServerResponse): void {
    response.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": "text/event-stream; charset=utf-8", Connection: "keep-alive" });
    // Reconnect after 2 s when the connection drops; the first events of a new connection bring the page up to date.
    response.write("retry: 2000\n\n");
    streams.add(response);
    const unsubscribe = feed.subscribe((event: FeedEvent) => {
      // A page that went away is dropped at its socket's close; until then, nothing is written to it.
      if (!response.destroyed && !response.writableEnded) response.write(`event: ${event.name}\ndata: ${JSON.stringify(event.data)}\n\n`);
    });
    response.once("close", () => {
      unsubscribe();
      streams.delete(response);
    });
  }

  try {
    await listen(server, host, port);
  } catch (error) {
    await feed.stop();
    throw error;
  }
  const address = server.address() as AddressInfo;
  hosts = allowedHosts([host, address.address], address.port);
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/`,
    host: address.address,
    port: address.port,
    close: async () => {
      await feed.stop();
      for (const response of streams) response.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") reject(new UsageError(`port ${port} on ${host} is in use: choose another with --port (0 takes a free one)`));
      else if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND" || error.code === "EAI_AGAIN")
        reject(new UsageError(`cannot listen on ${host}: it is not an address of this machine (${error.code})`));
      else if (error.code === "EACCES") reject(new UsageError(`may not listen on port ${port}: choose one above 1023 with --port`));
      else reject(error);
    });
    server.listen({ host, port }, () => resolve());
  });
}

function capabilityParameter(url: URL): string | undefined {
  const capability = url.searchParams.get("capability");
  return capability === null || capability === "" ? undefined : capability;
}

function limitParameter(url: URL, fallback: number): number {
  const text = url.searchParams.get("limit");
  if (text === null) return fallback;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_MAX) throw new UsageError(`limit must be a whole number from 1 to ${HISTORY_MAX}`);
  return limit;
}

function sendFile(response: ServerResponse, file: PageFile): void {
  response.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": file.type, "Content-Length": file.body.length });
  response.end(file.body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  response.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "application/json; charset=utf-8", "Content-Length": body.length });
  response.end(body);
}

function sendText(response: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  const body = Buffer.from(text);
  response.writeHead(status, { ...SECURITY_HEADERS, ...headers, "Content-Type": "text/plain; charset=utf-8", "Content-Length": body.length });
  response.end(body);
}
