import { type FleetSummaryJson, type HistoryJson, type StatusJson, startDashboard } from "@twostep/cli";
import { isTwostepError } from "@twostep/core";
import { ControlPlaneUnreachableError, type ControlPlane, Coordinator, type RolloutPlan, Rollouts } from "@twostep/fleet";
import { describe, expect, test, vi } from "vitest";
import { addBlockedFleet, ask, followEvents, useDashboards } from "../support/dashboard.js";
import { ORDERS, useFleets, WHO } from "../support/memory-fleet.js";

const newFleet = useFleets();
const newDashboard = useDashboards();

/** A fleet in which v2 is blocked by one node. */
const fleetWithBlocker = () => addBlockedFleet(newFleet());

describe("the page", () => {
  test("is static: its own script and style sheet, under a policy that forbids inline and foreign scripts, framing and forms", async () => {
    const dashboard = await newDashboard(newFleet());
    const page = await ask(dashboard.url);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    const policy = String(page.headers["content-security-policy"]);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain("unsafe-inline");
    expect(policy).not.toContain("unsafe-eval");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.body).toContain('<script type="module" src="/dashboard.js"></script>');
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(page.body).not.toMatch(/https?:\/\//);
    for (const [path, type] of [
      ["dashboard.js", "text/javascript; charset=utf-8"],
      ["capability-card.js", "text/javascript; charset=utf-8"],
      ["elements.js", "text/javascript; charset=utf-8"],
      ["format.js", "text/javascript; charset=utf-8"],
      ["readiness.js", "text/javascript; charset=utf-8"],
      ["dashboard.css", "text/css; charset=utf-8"],
      ["favicon.svg", "image/svg+xml"],
    ] as const) {
      const file = await ask(new URL(path, dashboard.url).href);
      expect([file.status, file.headers["content-type"]]).toEqual([200, type]);
      expect(file.body).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    }
    // The page draws with text nodes only: nothing it is sent is ever parsed as markup.
    for (const module of ["dashboard.js", "capability-card.js", "elements.js", "format.js", "readiness.js"]) {
      const script = (await ask(new URL(module, dashboard.url).href)).body;
      expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    }
  });

  test("never reflects the query string: the page is the same bytes whatever it is asked with", async () => {
    const dashboard = await newDashboard(newFleet());
    const plain = await ask(dashboard.url);
    const probed = await ask(`${dashboard.url}?capability=${encodeURIComponent('<script>alert("x")</script>')}&x=%3Cimg%20src%3Dx%3E`);
    expect(probed.body).toBe(plain.body);
    const missing = await ask(new URL(`/nope/${encodeURIComponent("<img src=x onerror=alert(1)>")}`, dashboard.url).href);
    expect(missing.status).toBe(404);
    expect(missing.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(missing.body).not.toContain("img");
  });
});

describe("the JSON endpoints", () => {
  test("/api/status is `twostep status --json`, for the fleet or one capability", async () => {
    const fleet = await fleetWithBlocker();
    const dashboard = await newDashboard(fleet);
    const all = JSON.parse((await ask(new URL("api/status", dashboard.url).href)).body) as StatusJson;
    expect(all).toEqual((await fleet.json<StatusJson>(["status"])).output);
    expect(all.capabilities.find((entry) => entry.capability === ORDERS)?.blockerGroups).toEqual([
      { reason: "no-reader", level: 2, service: "orders", build: "orders@1.4.0", nodeIds: ["old-1"], lastSeen: expect.any(Number) },
    ]);
    const one = await ask(new URL(`api/status?capability=${ORDERS}`, dashboard.url).href);
    expect(one.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(one.body)).toEqual((await fleet.json(["status", ORDERS])).output);
  });

  test("/api/fleet is the status with members counted by cohort: each build and label set once, blockers by group", async () => {
    const fleet = await fleetWithBlocker();
    const dashboard = await newDashboard(fleet);
    const answer = await ask(new URL("api/fleet", dashboard.url).href);
    expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8");
    const summary = JSON.parse(answer.body) as FleetSummaryJson;
    const status = (await fleet.json<StatusJson>(["status"])).output;
    expect(summary).toMatchObject({ format: 1, at: status.at, plane: status.plane, memberCount: 3, labels: ["zone"], fenced: { nodeIds: [], count: 0 } });
    expect(summary.states).toEqual({ starting: 0, live: 3, stale: 0, expired: 0 });
    expect(summary.groups).toEqual([
      { service: "orders", build: "orders@1.4.0", starting: 0, live: 1, stale: 0, expired: 0 },
      { service: "orders", build: "orders@2.0.0", starting: 0, live: 2, stale: 0, expired: 0 },
    ]);
    expect(summary.cohorts).toEqual([
      { service: "orders", build: "orders@1.4.0", labels: { zone: "b" }, reads: 0, members: 1 },
      { service: "orders", build: "orders@2.0.0", labels: { zone: "a" }, reads: 1, members: 2 },
    ]);
    expect(summary.reads.map((reads) => reads[ORDERS])).toEqual([
      { min: 1, max: 1 },
      { min: 1, max: 2 },
    ]);
    const { blockers, blockerGroups, convergence, ...rest } = status.capabilities.find(
      (entry) => entry.capability === ORDERS,
    ) as StatusJson["capabilities"][number];
    expect(summary.capabilities.find((entry) => entry.capability === ORDERS)).toEqual({
      ...rest,
      blockerCount: 1,
      // A no-reader blocker beats: when it was last seen is left out, so that heartbeats do not change the summary.
      blockerGroups: blockerGroups.map((group) => ({ ...group, count: 1, lastSeen: null })),
      convergence: { ...convergence, waitingCount: 0 },
      // A blocked next level is something to act on.
      quiet: false,
    });
    expect(blockers).toHaveLength(1);
    const one = JSON.parse((await ask(new URL(`api/fleet?capability=${ORDERS}`, dashboard.url).href)).body) as FleetSummaryJson;
    expect(one.capabilities.map((entry) => entry.capability)).toEqual([ORDERS]);
    expect(summary.capabilities.length).toBeGreaterThan(1);
  });

  test("/api/history is `twostep history --json`, the last 50 entries unless limit says; a bad limit is a 400", async () => {
    const fleet = await fleetWithBlocker();
    await fleet.coordinator().change(ORDERS, { kind: "policy", drainWindowMs: 60_000 }, WHO);
    const dashboard = await newDashboard(fleet);
    const history = JSON.parse((await ask(new URL("api/history", dashboard.url).href)).body) as HistoryJson;
    expect(history).toEqual((await fleet.json(["history"])).output);
    expect(history.entries.map((entry) => entry.note.action).slice(-2)).toEqual(["enable-write", "policy"]);
    const last = await ask(new URL(`api/history?capability=${ORDERS}&limit=1`, dashboard.url).href);
    expect(JSON.parse(last.body)).toEqual((await fleet.json(["history", ORDERS, "--limit", "1"])).output);
    for (const limit of ["0", "x", "1.5", "1001"]) {
      const refused = await ask(new URL(`api/history?limit=${limit}`, dashboard.url).href);
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.body)).toEqual({ error: { code: "USAGE", message: "limit must be a whole number from 1 to 1000" } });
    }
  });

  test("/api/rollouts is what Rollouts.list() gives: each plan's record with its revision", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "a" } });
    const coordinator = fleet.coordinator();
    await coordinator.enableWrite(ORDERS, 1, WHO);
    const rollouts = new Rollouts(fleet.plane, coordinator, { clock: fleet.clock.now });
    const dashboard = await newDashboard(fleet);
    expect(JSON.parse((await ask(new URL("api/rollouts", dashboard.url).href)).body)).toEqual({ rollouts: [], unreadable: [] });
    const plan: RolloutPlan = { target: 2, steps: [{ percent: 10, where: null, bakeMs: 1000 }] };
    await rollouts.start(ORDERS, plan, WHO);
    const listed = JSON.parse((await ask(new URL("api/rollouts", dashboard.url).href)).body);
    expect(listed).toEqual(JSON.parse(JSON.stringify(await rollouts.list())));
    expect(listed.rollouts[0].rollout).toMatchObject({ capability: ORDERS, target: 2, state: "running", step: 0 });
  });

  test("/api/events sends the latest fleet, rollouts and history at once, then each recorded change and each changed fleet", async () => {
    const fleet = await fleetWithBlocker();
    const dashboard = await newDashboard(fleet);
    const stream = await followEvents(dashboard.url);
    try {
      await vi.waitFor(() => expect(stream.events().map((event) => event.name)).toEqual(["fleet", "rollouts", "history"]));
      const [summary, rollouts, history] = stream.events();
      expect(summary?.data).toEqual(JSON.parse((await ask(new URL("api/fleet", dashboard.url).href)).body));
      expect(rollouts?.data).toEqual({ rollouts: [], unreadable: [] });
      expect(history?.data).toEqual((await fleet.json(["history"])).output);
      await fleet.add({ prefix: "late-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
      await vi.waitFor(() => expect(stream.events().some((event) => event.name === "fleet" && (event.data as FleetSummaryJson).memberCount === 4)).toBe(true));
      await fleet.coordinator().change(ORDERS, { kind: "policy", drainWindowMs: 60_000 }, WHO);
      // The `audit` event is `twostep watch --json`'s, as it prints it.
      await vi.waitFor(() =>
        expect(stream.events().find((event) => event.name === "audit")?.data).toMatchObject({
          event: "audit",
          entry: { capability: ORDERS, note: { action: "policy" } },
        }),
      );
      await vi.waitFor(() =>
        expect(stream.events().some((event) => event.name === "fleet" && (event.data as FleetSummaryJson).capabilities[0]?.drainWindowMs === 60_000)).toBe(
          true,
        ),
      );
      // The fleet is sent again only when something changed.
      const statuses = stream.events().filter((event) => event.name === "fleet");
      expect(new Set(statuses.map((event) => JSON.stringify(event.data))).size).toBe(statuses.length);
    } finally {
      stream.close();
    }
  });

  test("a poll that fails is sent as a problem (the watch's error event), once, and the fleet again when the control plane is back", async () => {
    const fleet = await fleetWithBlocker();
    let down = false;
    const flaky = new Proxy(fleet.plane, {
      get: (target, property) => {
        const value = Reflect.get(target, property) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (down && property !== "watchHistory")
            throw new ControlPlaneUnreachableError("cannot reach the control plane at nats://127.0.0.1:4222: connection refused");
          return (value as (...args: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as ControlPlane;
    const coordinator = new Coordinator(flaky, { clock: fleet.clock.now });
    const dashboard = await startDashboard({ coordinator, rollouts: new Rollouts(flaky, coordinator), port: 0, intervalMs: 20 });
    const stream = await followEvents(dashboard.url);
    try {
      await vi.waitFor(() => expect(stream.events()).toHaveLength(3));
      down = true;
      await vi.waitFor(() => expect(stream.events().map((event) => event.name)).toContain("problem"));
      const problem = stream.events().find((event) => event.name === "problem");
      expect(problem?.data).toMatchObject({ event: "error", code: "CONTROL_PLANE_UNREACHABLE" });
      const failing = await ask(new URL("api/status", dashboard.url).href);
      expect(failing.status).toBe(503);
      expect(JSON.parse(failing.body)).toMatchObject({ error: { code: "CONTROL_PLANE_UNREACHABLE" } });
      down = false;
      await vi.waitFor(() => expect(stream.events().at(-1)?.name).toBe("fleet"));
      expect(stream.events().filter((event) => event.name === "problem")).toHaveLength(1);
    } finally {
      stream.close();
      await dashboard.close();
    }
  });
});

describe("what it answers", () => {
  test("GET only: anything else is a 405 that names GET", async () => {
    const dashboard = await newDashboard(newFleet());
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) {
      const answer = await ask(new URL("api/status", dashboard.url).href, { method });
      expect([method, answer.status, answer.headers["allow"]]).toEqual([method, 405, "GET"]);
    }
  });

  test("only under the Host it listens on (or localhost): a rebound DNS name gets 403", async () => {
    const dashboard = await newDashboard(newFleet());
    const status = new URL("api/status", dashboard.url).href;
    for (const host of [`127.0.0.1:${dashboard.port}`, `localhost:${dashboard.port}`, `LOCALHOST:${dashboard.port}`]) {
      expect([host, (await ask(status, { host })).status]).toEqual([host, 200]);
    }
    for (const host of [
      `attacker.example:${dashboard.port}`,
      "attacker.example",
      `127.0.0.1:${dashboard.port + 1}`,
      "127.0.0.1",
      `127.0.0.1.nip.io:${dashboard.port}`,
    ]) {
      const refused = await ask(status, { host });
      expect([host, refused.status]).toEqual([host, 403]);
      expect(refused.body).not.toContain("memberCount");
    }
    // Without a Host header, Node's server refuses an HTTP/1.1 request itself.
    expect((await ask(status, { host: "" })).status).toBe(400);
  });

  test("listens on 127.0.0.1 unless told; another address only when allowed; never on every interface; a bad port is a usage error", async () => {
    const fleet = newFleet();
    const dashboard = await newDashboard(fleet);
    expect(dashboard.host).toBe("127.0.0.1");
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/`);
    const refusal = async (options: { host?: string; port?: number; allowNonLoopback?: boolean }) => {
      try {
        await newDashboard(fleet, options);
      } catch (error) {
        expect(isTwostepError(error, "USAGE")).toBe(true);
        return (error as Error).message;
      }
      throw new Error(`started on ${JSON.stringify(options)}`);
    };
    expect(await refusal({ host: "192.0.2.10" })).toContain(
      "not a loopback address: the dashboard listens on other addresses only when --host names them explicitly",
    );
    expect(await refusal({ host: "0.0.0.0", allowNonLoopback: true })).toContain("listens on every interface");
    expect(await refusal({ host: "::", allowNonLoopback: true })).toContain("listens on every interface");
    expect(await refusal({ port: 70_000 })).toContain("--port takes a whole number from 0 to 65535");
    expect(await refusal({ port: dashboard.port })).toContain(`port ${dashboard.port} on 127.0.0.1 is in use`);
    const another = await newDashboard(fleet, { host: "127.0.0.2" }).catch(() => undefined);
    // 127.0.0.0/8 is loopback; not every machine answers on 127.0.0.2, so it counts only when it listened.
    if (another !== undefined) expect(another.url).toBe(`http://127.0.0.2:${another.port}/`);
  });
});
