import { request } from "node:http";
import { type Dashboard, type DashboardOptions, startDashboard } from "@twostep/cli";
import { Rollouts } from "@twostep/fleet";
import { afterEach } from "vitest";
import { ORDERS, type TestFleet, WHO } from "./memory-fleet.js";

/** How often a test's dashboard polls: short, so that a change shows soon; tests wait for it, never for a time. */
export const TEST_INTERVAL_MS = 50;

/** A starter of dashboards on a test fleet (on a free port, polling every {@link TEST_INTERVAL_MS}), each closed after the test. */
export function useDashboards(): (fleet: TestFleet, options?: Partial<DashboardOptions>) => Promise<Dashboard> {
  const started: Dashboard[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((dashboard) => dashboard.close()));
  });
  return async (fleet, options = {}) => {
    const coordinator = fleet.coordinator();
    const dashboard = await startDashboard({
      coordinator,
      rollouts: new Rollouts(fleet.plane, coordinator, { clock: fleet.clock.now }),
      port: 0,
      intervalMs: TEST_INTERVAL_MS,
      ...options,
    });
    started.push(dashboard);
    return dashboard;
  };
}

/** Gives `fleet` two nodes in zone a that read orders v1..v2 and one in zone b that reads only v1 (a blocker of v2), and enables v1. */
export async function addBlockedFleet(fleet: TestFleet): Promise<TestFleet> {
  await fleet.add({ prefix: "new-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "a" } });
  await fleet.add({ prefix: "old-", count: 1, service: "orders", build: "orders@1.4.0", reads: 1, labels: { zone: "b" } });
  await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
  await fleet.heartbeat();
  return fleet;
}

/** What a server answered. */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** A request to the dashboard, with any method and Host header (which `fetch` does not let a caller choose; `""` sends none). */
export function ask(url: string, options: { readonly method?: string; readonly host?: string } = {}): Promise<Answer> {
  const host = options.host === undefined ? {} : options.host === "" ? { setHost: false } : { headers: { host: options.host } };
  return new Promise((resolve, reject) => {
    const sent = request(url, { method: options.method ?? "GET", agent: false, ...host }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      response.once("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.once("error", reject);
    });
    sent.once("error", reject);
    sent.end();
  });
}

/** One Server-Sent Event: its name and its data, parsed. */
export interface ServerEvent {
  readonly name: string;
  readonly data: unknown;
}

/** Follows `/api/events`: `events()` is what arrived so far; `close()` hangs up. */
export function followEvents(url: string): Promise<{ events: () => readonly ServerEvent[]; close: () => void }> {
  return new Promise((resolve, reject) => {
    const events: ServerEvent[] = [];
    const sent = request(new URL("api/events", url), (response) => {
      if (response.statusCode !== 200) reject(new Error(`/api/events answered ${response.statusCode}`));
      let buffer = "";
      response.setEncoding("utf8").on("data", (chunk: string) => {
        buffer += chunk;
        const blocks = buffer.split("\n\n");
        buffer = blocks.pop() ?? "";
        for (const block of blocks) {
          const fields = new Map(block.split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trimStart()]));
          const data = fields.get("data");
          if (data !== undefined) events.push({ name: fields.get("event") ?? "message", data: JSON.parse(data) });
        }
      });
      response.once("error", () => {});
      resolve({ events: () => events, close: () => sent.destroy() });
    });
    sent.once("error", reject);
    sent.end();
  });
}
