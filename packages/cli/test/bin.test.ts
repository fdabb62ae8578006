import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PlanJson, StatusJson } from "@twostep/cli";
import { startNode, type AuditEntry, type FleetNode } from "@twostep/fleet";
import { connectNatsControlPlane, type NatsControlPlane } from "@twostep/nats";
import { startNatsServer, type NatsServer } from "@twostep/testkit/nats-server";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { builds, protocolOf } from "./support/order-builds.js";
import { buildCli, twostep, type BinaryOptions } from "./support/twostep-binary.js";

/** What each command prints with `--json`. */
interface JsonOf {
  readonly status: StatusJson;
  readonly plan: PlanJson;
  readonly history: { readonly format: 1; readonly entries: readonly AuditEntry[] };
}

let server: NatsServer;
let prefixes = 0;

beforeAll(async () => {
  await buildCli();
  server = await startNatsServer();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

/** A fleet under its own bucket prefix on the shared server: nodes in this process, the CLI as a subprocess. */
class Fleet {
  readonly prefix = `cli${++prefixes}`;
  readonly nodes = new Map<string, FleetNode>();
  #plane: NatsControlPlane | undefined;

  async plane(): Promise<NatsControlPlane> {
    this.#plane ??= await connectNatsControlPlane({ servers: server.url, bucketPrefix: this.prefix });
    return this.#plane;
  }

  async start(nodeId: string, build: keyof typeof builds): Promise<FleetNode> {
    const node = await startNode({
      controlPlane: await this.plane(),
      protocol: protocolOf(build),
      nodeId,
      service: "orders",
      build: builds[build].id,
      heartbeatMs: 500,
    });
    this.nodes.set(nodeId, node);
    return node;
  }

  /** Stops a node cleanly (it leaves the fleet) and starts it again on `build`: a rolling upgrade. */
  async redeploy(nodeId: string, build: keyof typeof builds): Promise<void> {
    await this.nodes.get(nodeId)?.stop();
    await this.start(nodeId, build);
  }

  twostep(args: readonly string[], options: BinaryOptions = {}) {
    return twostep(args, { ...options, env: { TWOSTEP_NATS_URL: server.url, TWOSTEP_NATS_PREFIX: this.prefix, ...options.env } });
  }

  /** The `--json` output of a command, in its documented shape (docs/cli.md). */
  async json<T extends keyof JsonOf>(args: readonly [T, ...string[]]): Promise<JsonOf[T]> {
    const run = await this.twostep([...args, "--json"]);
    if (run.stdout === "") throw new Error(`no JSON from twostep ${args.join(" ")}: ${run.stderr}`);
    return JSON.parse(run.stdout) as JsonOf[T];
  }

  async close(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((node) => node.stop()));
    await this.#plane?.close();
  }
}

const fleets: Fleet[] = [];
async function fleetOf(nodes: Readonly<Record<string, keyof typeof builds>>): Promise<Fleet> {
  const fleet = new Fleet();
  fleets.push(fleet);
  for (const [nodeId, build] of Object.entries(nodes)) await fleet.start(nodeId, build);
  return fleet;
}

afterEach(async () => {
  await Promise.all(fleets.splice(0).map((fleet) => fleet.close()));
});

const mixed = { "zone-a-1": "new", "zone-a-2": "new", "zone-a-3": "new", "zone-b-1": "old", "zone-b-2": "old" } as const;

describe("reading the fleet", () => {
  test("status groups nodes by build and names who blocks v2; --json has the documented shape", async () => {
    const fleet = await fleetOf(mixed);
    const text = await fleet.twostep(["status"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("5 members: 5 live");
    expect(text.stdout).toContain("readers      v1 5/5   v2 3/5");
    expect(text.stdout).toContain("2 × no reader of v2 in build orders@1.4.0 (service orders): zone-b-1, zone-b-2");
    expect(text.stdout).toMatch(/orders\s+orders@2\.0\.0\s+3\s+·\s+·\s+orders\.OrderPlaced reads v1\.\.v2, writes v1\.\.v2/);
    const json = await fleet.json(["status", "orders.OrderPlaced"]);
    expect(json).toMatchObject({
      format: 1,
      memberCount: 5,
      capabilities: [{ capability: "orders.OrderPlaced", revision: 0, record: null, readers: { "1": 5, "2": 3 }, next: 2, readyForNext: false }],
    });
    expect(json.capabilities[0]?.blockerGroups).toEqual([
      { reason: "no-reader", level: 2, service: "orders", build: "orders@1.4.0", nodeIds: ["zone-b-1", "zone-b-2"], lastSeen: expect.any(Number) },
    ]);
    expect(json.groups.map((group) => [group.build, group.live])).toEqual([
      ["orders@1.4.0", 2],
      ["orders@2.0.0", 3],
    ]);
  });

  test("plan shows what enabling would do and exits 1 while it would be refused, changing nothing", async () => {
    const fleet = await fleetOf(mixed);
    expect((await fleet.twostep(["enable-write", "orders.OrderPlaced", "1", "--reason", "first", "--yes"])).code).toBe(0);
    const blocked = await fleet.twostep(["plan", "orders.OrderPlaced", "v2", "--percent", "10"]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain("Plan for orders.OrderPlaced: enable v2 at 10% by key");
    expect(blocked.stdout).toContain("after     writes v1, ramp to v2 at 10% by key");
    expect(blocked.stdout).toContain("2 × no reader of v2 in build orders@1.4.0 (service orders): zone-b-1, zone-b-2");
    const json = await fleet.json(["plan", "orders.OrderPlaced", "2"]);
    expect(json).toMatchObject({
      capability: "orders.OrderPlaced",
      request: "enable v2",
      revision: 2,
      changes: true,
      allowed: false,
      newlyRequired: [2],
      current: { level: 1 },
      next: { level: 2 },
    });
    expect((await fleet.json(["history"])).entries).toHaveLength(1);
  });
});

describe("changing the fleet", () => {
  test("an unsafe enable is refused with its blockers (exit 1) and recorded in the history", async () => {
    const fleet = await fleetOf(mixed);
    await fleet.twostep(["enable-write", "orders.OrderPlaced", "1", "--reason", "first", "--actor", "alice", "--yes"]);
    const refused = await fleet.twostep(["enable-write", "orders.OrderPlaced", "2", "--percent", "10", "--reason", "canary", "--actor", "bob", "--yes"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused: enable v2 at 10% by key of orders.OrderPlaced: not every member reads v2");
    expect(refused.stderr).toContain("2 × no reader of v2 in build orders@1.4.0 (service orders): zone-b-1, zone-b-2");
    expect(refused.stderr).toContain("→ deploy a build that reads v2 on orders");
    const history = await fleet.twostep(["history", "orders.OrderPlaced"]);
    expect(history.stdout).toMatch(/alice\s+enable-write\s+orders\.OrderPlaced\s+enable v1\s+rev 0→2\s+"first"/);
    expect(history.stdout).toMatch(/bob\s+refused\s+orders\.OrderPlaced\s+enable v2 at 10% by key\s+rev 2\s+"canary"/);
    const [, entry] = (await fleet.json(["history"])).entries;
    expect(entry).toMatchObject({
      action: "refused",
      actor: "bob",
      revisionBefore: 2,
      revisionAfter: 2,
      blockers: [{ nodeId: "zone-b-1" }, { nodeId: "zone-b-2" }],
    });
  });

  test("without --yes and without a terminal it refuses to ask (exit 2); --dry-run changes nothing", async () => {
    const fleet = await fleetOf(mixed);
    const unconfirmed = await fleet.twostep(["enable-write", "orders.OrderPlaced", "1", "--reason", "first"]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("there is no terminal to confirm on: pass --yes to go ahead");
    const dry = await fleet.twostep(["enable-write", "orders.OrderPlaced", "1", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("allowed: every member reads what it requires");
    expect(dry.stdout).toContain("dry run: nothing changed");
    expect((await fleet.json(["status"])).capabilities[0]).toMatchObject({ record: null, revision: 0 });
    expect((await fleet.json(["history"])).entries).toEqual([]);
  });

  test("a rollout: upgrade, ramp by node, roll back, apply twice, retire too early, decommission", async () => {
    const fleet = await fleetOf(mixed);
    const change = (...args: string[]) => fleet.twostep([...args, "--reason", "rollout", "--yes"]);
    expect((await change("enable-write", "orders.OrderPlaced", "1")).code).toBe(0);
    await fleet.redeploy("zone-b-1", "new");
    await fleet.redeploy("zone-b-2", "new");

    const ramp = await change("enable-write", "orders.OrderPlaced", "2", "--percent", "10", "--by", "node");
    expect(ramp.code).toBe(0);
    expect(ramp.stdout).toContain("now writes v1, ramp to v2 at 10% by node");
    const back = await change("disable-write", "orders.OrderPlaced");
    expect(back.code).toBe(0);
    expect(back.stdout).toContain("now writes v1");

    const dir = await mkdtemp(join(tmpdir(), "twostep-cli-"));
    try {
      const file = join(dir, "levels.json");
      await writeFile(file, JSON.stringify({ format: 1, levels: { "orders.OrderPlaced": { write: 2 } } }));
      const first = await change("apply", file);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain("applied 1, already in force 0, refused 0");
      const entries = (await fleet.json(["history"])).entries.length;
      const second = await change("apply", file);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain(`nothing to apply: every level in ${file} is already in force`);
      expect((await fleet.json(["history"])).entries).toHaveLength(entries);
      await writeFile(file, JSON.stringify({ format: 1, levels: { "orders.OrderPlaced": { write: "2" } } }));
      const invalid = await change("apply", file);
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toContain('levels["orders.OrderPlaced"].write: Invalid input: expected number, received string');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect((await fleet.json(["status"])).capabilities[0]?.record).toMatchObject({ level: 2, ramp: null, everWritten: [1, 2] });
    await vi.waitFor(() => expect([...fleet.nodes.values()].map((node) => node.record("orders.OrderPlaced")?.level)).toEqual([2, 2, 2, 2, 2]));

    const early = await change("retire", "orders.OrderPlaced", "1");
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("drain window ends at");

    const live = await change("decommission", "zone-a-1");
    expect(live.code).toBe(1);
    expect(live.stderr).toContain("zone-a-1 is alive");
    // A member registered without ever heartbeating: gone before its first advertisement.
    await (await fleet.plane()).putMember({ nodeId: "ghost-1", service: "orders", build: "orders@1.4.0", joinedAt: Date.now() });
    expect((await fleet.twostep(["decommission", "ghost-1", "--dry-run"])).stdout).toContain("never seen");
    const gone = await change("decommission", "ghost-1");
    expect(gone.code).toBe(0);
    expect(gone.stdout).toContain("done: decommission ghost-1");
    expect((await fleet.json(["status"])).members.map((member) => member.nodeId)).not.toContain("ghost-1");
  });
});

describe("watch", () => {
  test("without a terminal (--for 5) it prints a new line when a node joins", async () => {
    const fleet = await fleetOf({ "zone-a-1": "new", "zone-a-2": "new" });
    let joined: Promise<FleetNode> | undefined;
    const run = await fleet.twostep(["watch", "orders.OrderPlaced", "--for", "5", "--interval", "200"], {
      onStdout: (soFar) => {
        if (joined === undefined && soFar.includes("v2 readers 2/2")) joined = fleet.start("zone-c-1", "old");
      },
    });
    await joined;
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toContain("orders.OrderPlaced: v2 readers 2/2");
    expect(lines).toContain("fleet: 3 members (3 live, 0 stale, 0 never seen)");
    expect(lines).toContain("orders.OrderPlaced: v1 readers 3/3");
    expect(lines).toContain("orders.OrderPlaced: v2 readers 2/3");
    expect(lines.indexOf("orders.OrderPlaced: v2 readers 2/3")).toBeGreaterThan(lines.indexOf("orders.OrderPlaced: v2 readers 2/2"));
  });
});

describe("exit 3", () => {
  test("a control plane that cannot be reached: a clear error, for reads and changes", async () => {
    const closed = createServer();
    const port = await new Promise<number>((resolve) => closed.listen(0, "127.0.0.1", () => resolve((closed.address() as { port: number }).port)));
    await new Promise((resolve) => closed.close(resolve));
    const nats = `nats://127.0.0.1:${port}`;
    const read = await twostep(["status", "--nats", nats]);
    expect(read.code).toBe(3);
    expect(read.stderr).toContain(`cannot reach the control plane at ${nats}: check the address (--nats or TWOSTEP_NATS_URL)`);
    const write = await twostep(["enable-write", "orders.OrderPlaced", "2", "--reason", "r", "--yes", "--json"], { env: { TWOSTEP_NATS_URL: nats } });
    expect(write.code).toBe(3);
    expect(JSON.parse(write.stdout)).toMatchObject({ error: { code: "CONTROL_PLANE_UNREACHABLE", exitCode: 3 } });
  });

  test("credentials that may not change levels", async () => {
    const guarded = await startNatsServer({
      config: `authorization { users = [
        { user: "release", password: "release-secret" }
        { user: "intern", password: "intern-secret", permissions: { publish: { allow: ["$JS.API.INFO"] }, subscribe: { allow: ["_INBOX.>"] } } }
      ] }`,
    });
    try {
      const run = await twostep([
        "enable-write",
        "orders.OrderPlaced",
        "1",
        "--reason",
        "r",
        "--yes",
        "--nats",
        guarded.url,
        "--user",
        "intern",
        "--password",
        "intern-secret",
      ]);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain("permission denied");
    } finally {
      await guarded.stop();
    }
  });
});

test("the binary answers --help and --version", async () => {
  const help = await twostep(["--help"]);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain("Usage: twostep <command> [options]");
  const version = await twostep(["--version"]);
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});
