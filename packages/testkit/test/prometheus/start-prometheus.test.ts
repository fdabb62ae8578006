import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { isTwostepError } from "@twostep/core";
import { PrometheusErrorCode, type PrometheusServer, startPrometheus } from "@twostep/testkit/prometheus";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";

/** A scrape target on 127.0.0.1 that serves one gauge, `twostep_test_value`, whose value a test sets. */
interface Target {
  readonly address: string;
  value: number;
  close(): Promise<void>;
}

async function target(): Promise<Target> {
  const state = { value: 1 };
  const server: Server = createServer((request, response) => {
    if (request.url !== "/metrics") response.writeHead(404).end();
    else response.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(`# TYPE twostep_test_value gauge\ntwostep_test_value ${state.value}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(state, {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

async function refusal(start: Promise<unknown>): Promise<unknown> {
  try {
    await start;
  } catch (error) {
    return error;
  }
  throw new Error("it started");
}

// Prometheus applies its scrape targets on a 5 s tick, so each start takes about that long: the tests share servers where they can.
describe("startPrometheus", () => {
  const targets: Target[] = [];
  let prometheus: PrometheusServer;
  beforeAll(async () => {
    targets.push(await target(), await target());
    const [a, b] = targets as [Target, Target];
    prometheus = await startPrometheus({ scrapeTargets: [a.address, { address: b.address, labels: { node: "n2" } }], scrapeIntervalMs: 200 });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(targets.map((each) => each.close()));
  });

  test("starts on an OS-assigned port of 127.0.0.1 and resolves once every target was scraped and is queryable", async () => {
    expect(prometheus.port).toBeGreaterThan(0);
    expect(prometheus.url).toBe(`http://127.0.0.1:${prometheus.port}`);
    expect(existsSync(prometheus.storageDir)).toBe(true);
    const up = await prometheus.query("up");
    expect(up.map((sample) => sample.metric["instance"]).sort()).toEqual(targets.map((each) => each.address).sort());
    expect(up.every((sample) => sample.metric["job"] === "twostep" && sample.value === 1)).toBe(true);
  });

  test("attaches a target's own labels to its series", async () => {
    const series = await prometheus.query("twostep_test_value");
    expect(series.map((sample) => sample.metric["node"] ?? null).sort()).toEqual(["n2", null]);
  });

  test("nextScrape() waits until what the targets serve now can be queried", async () => {
    for (const each of targets) each.value = 21;
    await prometheus.nextScrape();
    expect((await prometheus.query("sum(twostep_test_value)"))[0]?.value).toBe(42);
  });

  test("a query Prometheus refuses gives a typed error with its reason", async () => {
    const error = await refusal(prometheus.query("sum(("));
    expect(isTwostepError(error, PrometheusErrorCode.QueryFailed)).toBe(true);
    expect((error as Error).message).toContain("parse error");
  });
});

describe("startPrometheus and stopping", () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  test("await using stops the server and removes its directory when the block ends", async () => {
    const a = await target();
    stops.push(() => a.close());
    let url = "";
    let storageDir = "";
    {
      await using prometheus = await startPrometheus({ scrapeTargets: [a.address], scrapeIntervalMs: 200 });
      ({ url, storageDir } = prometheus);
      expect((await fetch(`${url}/-/ready`)).status).toBe(200);
    }
    await expect(fetch(`${url}/-/ready`)).rejects.toThrow();
    expect(existsSync(storageDir)).toBe(false);
  });

  test("a target that stays down gives a typed error that names it and why", async () => {
    const gone = await target();
    await gone.close();
    const error = await refusal(startPrometheus({ scrapeTargets: [gone.address], scrapeIntervalMs: 200, readyTimeoutMs: 8_000 }));
    expect(isTwostepError(error, PrometheusErrorCode.NotReady)).toBe(true);
    expect((error as Error).message).toContain(`http://${gone.address}/metrics is down`);
    expect((error as Error).message).toContain("connection refused");
  });

  test("a missing binary gives a typed error that says how to install it", async () => {
    const error = await refusal(startPrometheus({ scrapeTargets: [], binary: "prometheus-that-is-not-installed" }));
    expect(isTwostepError(error, PrometheusErrorCode.Missing)).toBe(true);
    expect((error as Error).message).toContain("apt-get install prometheus");
  });
});
