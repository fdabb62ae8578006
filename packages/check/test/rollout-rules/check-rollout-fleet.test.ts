import { checkRollout } from "@twostep/check";
import { ControlPlaneUnreachableError, Coordinator } from "@twostep/fleet";
import { describe, expect, it, vi } from "vitest";
import { fleetReading } from "../support/fleet-reading.js";
import { lineOf, renderManifest, shopManifest, tempRepos, type GitRepo } from "../support/git-repo.js";

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
