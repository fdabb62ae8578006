import { checkRollout } from "@twostep/check";
import { ControlPlaneUnreachableError, Coordinator } from "@twostep/fleet";
import { describe, expect, it, vi } from "vitest";
import { fleetReading, fleetThatWrote } from "../support/fleet-reading.js";
import { changeOrders, lineOf, renderManifest, retireOrdersV1, shopManifest, tempRepos, type GitRepo } from "../support/git-repo.js";

const MANIFEST = "schemas/twostep.json";
const ORDERS = "orders.OrderPlaced";

const repos = tempRepos();

/** Raises orders.OrderPlaced's write target from 1 to 2 in the working tree; returns the manifest text. */
async function raiseOrders(repo: GitRepo): Promise<string> {
  const manifest = await shopManifest();
  const orders = manifest.types.find((type) => type.name === ORDERS);
  if (orders === undefined) throw new Error("no orders type");
  orders.writeTarget = 2;
  const text = renderManifest(manifest);
  await repo.write(MANIFEST, text);
  return text;
}

describe("checkRollout with the fleet", () => {
  it("FLEET_NOT_READ_READY: a raised write target needs every member to read it", async () => {
    const repo = await repos.shop();
    const text = await raiseOrders(repo);
    const violations = await checkRollout({ cwd: repo.dir, base: "HEAD", fleet: await fleetReading({ "shop-1": 2, "shop-2": 1 }) });
    expect(violations.map((violation) => `${violation.rule} ${violation.file}:${violation.line}`)).toEqual([
      `FLEET_NOT_READ_READY ${MANIFEST}:${lineOf(text, '"writeTarget": 2')}`,
    ]);
    expect(violations[0]).toMatchObject({
      type: ORDERS,
      version: 2,
      message: expect.stringMatching(/1 blocker: shop-2@[0-9a-f]{8}: no reader of orders\.OrderPlaced v2 in build reads-v1/),
    });
  });

  it("passes when every member reads it, through a control plane or a coordinator", async () => {
    const repo = await repos.shop();
    await raiseOrders(repo);
    const plane = await fleetReading({ "shop-1": 2, "shop-2": 2 });
    expect(await checkRollout({ cwd: repo.dir, base: "HEAD", fleet: plane })).toEqual([]);
    expect(await checkRollout({ cwd: repo.dir, base: "HEAD", fleet: new Coordinator(plane) })).toEqual([]);
  });

  it("asks a dry run only, recording nothing", async () => {
    const repo = await repos.shop();
    await raiseOrders(repo);
    const plane = await fleetReading({ "shop-1": 1 });
    await checkRollout({ cwd: repo.dir, base: "HEAD", fleet: plane });
    expect(await new Coordinator(plane).history()).toEqual([]);
  });

  it("FLEET_UNREACHABLE: a fleet that cannot be asked is reported, not skipped", async () => {
    const repo = await repos.shop();
    const text = await raiseOrders(repo);
    const fleet = async () => {
      throw new ControlPlaneUnreachableError("cannot reach the control plane at nats://nowhere:4222");
    };
    const violations = await checkRollout({ cwd: repo.dir, base: "HEAD", fleet });
    expect(violations.map((violation) => `${violation.rule} ${violation.file}:${violation.line}`)).toEqual([
      `FLEET_UNREACHABLE ${MANIFEST}:${lineOf(text, '"writeTarget": 2')}`,
    ]);
    expect(violations[0]?.message).toContain("cannot reach the control plane at nats://nowhere:4222");
  });

  it("does not connect when no write target is raised, nor ask about targets the ordering rules refuse", async () => {
    const repo = await repos.shop();
    const connect = vi.fn(async () => fleetReading({ "shop-1": 1 }));
    expect(await checkRollout({ cwd: repo.dir, base: "HEAD", fleet: connect })).toEqual([]);
    const manifest = await shopManifest();
    manifest.types.push({ name: "payments.PaymentTaken", id: 3, codec: "json", versions: [{ version: 1 }], writeTarget: 1 });
    await repo.write(MANIFEST, renderManifest(manifest));
    expect((await checkRollout({ cwd: repo.dir, base: "HEAD", fleet: connect })).map((violation) => violation.rule)).toEqual(["WRITE_TARGET_UNREAD"]);
    expect(connect).not.toHaveBeenCalled();
  });
});

/** `RULE file:line` of each violation. */
function placed(violations: readonly { rule: string; file: string; line: number }[]): string[] {
  return violations.map((violation) => `${violation.rule} ${violation.file}:${violation.line}`);
}

describe("checkRollout with the fleet: retirements", () => {
  it("FLEET_NOT_RETIRED: marking v1 retired while the live fleet still requires it (written, never retired)", async () => {
    const repo = await repos.shop();
    const text = await retireOrdersV1(repo);
    const violations = await checkRollout({ cwd: repo.dir, base: "HEAD", fleet: await fleetThatWrote({ "shop-1": 2 }, { written: [1, 2] }) });
    expect(placed(violations)).toEqual([`FLEET_NOT_RETIRED ${MANIFEST}:${lineOf(text, '"retired": [1]')}`]);
    expect(violations[0]).toMatchObject({
      type: ORDERS,
      version: 1,
      message:
        "orders.OrderPlaced marks v1 retired, but the live fleet has not retired v1 (it was written, and twostep retire has not retired it): " +
        "builds that drop its reader would be refused when they join, or meet frames they cannot read",
      fix: expect.stringContaining("run twostep retire orders.OrderPlaced 1"),
    });
  });

  it("passes once the fleet retired the level, and for a level the fleet never wrote", async () => {
    const repo = await repos.shop();
    await retireOrdersV1(repo);
    expect(await checkRollout({ cwd: repo.dir, base: "HEAD", fleet: await fleetThatWrote({ "shop-1": 2 }, { written: [1, 2], retired: [1] }) })).toEqual([]);
    expect(await checkRollout({ cwd: repo.dir, base: "HEAD", fleet: await fleetThatWrote({ "shop-1": 2 }, { written: [2] }) })).toEqual([]);
  });

  it("FLEET_NOT_RETIRED: dropping a reader the base retired, while the fleet still writes it", async () => {
    const repo = await repos.shop();
    const text = await changeOrders(
      repo,
      (orders) => {
        orders.writeTarget = 2;
        orders.retired = [1];
      },
      (orders, manifest) => {
        orders.versions = orders.versions.filter((version) => version.version !== 1);
        delete manifest.legacy;
      },
    );
    const violations = await checkRollout({ cwd: repo.dir, base: "HEAD", fleet: await fleetThatWrote({ "shop-1": 2 }, { written: [1] }) });
    expect(placed(violations)).toEqual([`FLEET_NOT_RETIRED ${MANIFEST}:${lineOf(text, '"versions": [', ORDERS)}`]);
    expect(violations[0]?.message).toBe(
      "orders.OrderPlaced drops its reader of v1, but the live fleet has not retired v1 (it is the write level): " +
        "this build would be refused when it joins, or meet frames it cannot read",
    );
  });

  it("FLEET_NOT_RETIRED for each level of a removed type the fleet still requires", async () => {
    const repo = await repos.shop();
    const text = await changeOrders(
      repo,
      (orders) => {
        delete orders.writeTarget;
        orders.retired = [1, 2];
      },
      (_, manifest) => {
        manifest.types = manifest.types.filter((type) => type.name !== ORDERS);
        delete manifest.legacy;
      },
    );
    const violations = await checkRollout({ cwd: repo.dir, base: "HEAD", fleet: await fleetThatWrote({ "shop-1": 2 }, { written: [1, 2], retired: [1] }) });
    expect(violations.map((violation) => [violation.rule, violation.line, violation.version])).toEqual([["FLEET_NOT_RETIRED", lineOf(text, '"types": ['), 2]]);
    expect(violations[0]?.message).toContain(
      "orders.OrderPlaced is removed with its reader of v2, but the live fleet has not retired v2 (it is the write level)",
    );
  });

  it("fails closed: a fleet that cannot be asked is FLEET_UNREACHABLE, a record that cannot be read is never retired", async () => {
    const repo = await repos.shop();
    const text = await retireOrdersV1(repo);
    const line = lineOf(text, '"retired": [1]');
    const unreachable = await checkRollout({
      cwd: repo.dir,
      base: "HEAD",
      fleet: async () => {
        throw new ControlPlaneUnreachableError("cannot reach the control plane at nats://nowhere:4222");
      },
    });
    expect(placed(unreachable)).toEqual([`FLEET_UNREACHABLE ${MANIFEST}:${line}`]);
    expect(unreachable[0]?.message).toBe(
      "orders.OrderPlaced marks v1 retired, which needs the fleet to have retired v1, but the fleet could not be asked: " +
        "cannot reach the control plane at nats://nowhere:4222",
    );
    const plane = await fleetThatWrote({ "shop-1": 2 }, { written: [1, 2], retired: [1] });
    const { revision } = (await new Coordinator(plane).status(ORDERS)).capabilities[0]!;
    await plane.append({ kind: "level", capability: ORDERS }, new TextEncoder().encode("not a record"), { expect: revision });
    const unreadable = await checkRollout({ cwd: repo.dir, base: "HEAD", fleet: plane });
    expect(placed(unreadable)).toEqual([`FLEET_NOT_RETIRED ${MANIFEST}:${line}`]);
    expect(unreadable[0]?.message).toMatch(
      /^orders\.OrderPlaced marks v1 retired, but the live fleet cannot tell that v1 is retired: the record of orders\.OrderPlaced cannot be read: /,
    );
  });
});
