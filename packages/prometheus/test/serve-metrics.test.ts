import { type MetricsServer, serveMetrics } from "@twostep/prometheus";
import { Counter, Gauge, Registry } from "prom-client";
import { afterEach, describe, expect, test } from "vitest";

describe("serveMetrics", () => {
  const started: MetricsServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.close()));
  });

  async function serve(registry: Registry): Promise<MetricsServer> {
    const server = await serveMetrics({ registry, port: 0 });
    started.push(server);
    return server;
  }

  test("serves the registry in Prometheus's text format on 127.0.0.1, at a port the OS picks", async () => {
    const registry = new Registry();
    new Counter({ name: "twostep_test_total", help: "A test counter.", registers: [registry] }).inc(3);
    const server = await serve(registry);
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(registry.contentType);
    expect(await response.text()).toContain("twostep_test_total 3");
  });

  test("answers 404 elsewhere and 405 to other methods", async () => {
    const server = await serve(new Registry());
    const other = await fetch(`http://${server.address}/`);
    expect(other.status).toBe(404);
    expect(await other.text()).toContain("/metrics");
    const post = await fetch(server.url, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  test("answers 500 when collecting fails, so that Prometheus records a failed scrape", async () => {
    const registry = new Registry();
    new Gauge({
      name: "twostep_test_broken",
      help: "A gauge whose collection fails.",
      registers: [registry],
      collect: () => {
        throw new Error("the status cannot be read");
      },
    });
    const response = await fetch((await serve(registry)).url);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("the status cannot be read");
  });

  test("close() stops listening, even with a connection kept alive, and may be called twice", async () => {
    const server = await serveMetrics({ registry: new Registry(), port: 0 });
    expect((await fetch(server.url, { keepalive: true })).status).toBe(200);
    await server.close();
    await server.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });

  test("await using closes it when the block ends", async () => {
    let url = "";
    {
      await using server = await serveMetrics({ registry: new Registry(), port: 0 });
      url = server.url;
      expect((await fetch(url)).status).toBe(200);
    }
    await expect(fetch(url)).rejects.toThrow();
  });
});
