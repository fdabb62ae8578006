import { createServer } from "node:net";
import { nanos } from "@nats-io/transport-node";
import { isTwostepError } from "@twostep/core";
import { FleetErrorCode, type MalformedRecord } from "@twostep/fleet";
import { connectNatsControlPlane, encodeKey, type NatsControlPlane } from "@twostep/nats";
import { controlPlaneContract } from "@twostep/testkit/contract";
import { startNatsServer, type NatsServer } from "@twostep/testkit/nats-server";
import { sampleAdvertisement, sampleAuditEntry, sampleMember, sampleWriteLevelRecord } from "@twostep/testkit/samples";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { rawNats } from "./support/raw-nats.js";

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.stop();
});

// Each namespace is a bucket prefix: the contract's tests never see each other's state.
controlPlaneContract(
  "NatsControlPlane",
  ({ namespace, advertisementTtlMs }) => connectNatsControlPlane({ servers: server.url, bucketPrefix: namespace, advertisementTtlMs }),
  { time: "real", runs: 20 },
);

describe("NatsControlPlane on a real nats-server", () => {
  const opened: NatsControlPlane[] = [];
  let prefixes = 0;
  const open = async (options: { prefix?: string; advertisementTtlMs?: number; onMalformed?: (record: MalformedRecord) => void } = {}) => {
    const plane = await connectNatsControlPlane({
      servers: server.url,
      bucketPrefix: options.prefix ?? `n${++prefixes}`,
      ...(options.advertisementTtlMs === undefined ? {} : { advertisementTtlMs: options.advertisementTtlMs }),
      ...(options.onMalformed === undefined ? {} : { onMalformed: options.onMalformed }),
    });
    opened.push(plane);
    return plane;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((plane) => plane.close()));
  });

  test("creates the layout of docs/nats.md: TTL and history per bucket, direct get off, the audit stream", async () => {
    const plane = await open({ prefix: "layout", advertisementTtlMs: 4_000 });
    await using raw = await rawNats(server.url);
    const config = async (stream: string) => (await raw.jsm.streams.info(stream)).config;
    expect(await config("KV_layout_adverts")).toMatchObject({ max_age: nanos(4_000), max_msgs_per_subject: 1, allow_direct: false });
    expect(await config("KV_layout_members")).toMatchObject({ max_age: 0, max_msgs_per_subject: 1, allow_direct: false });
    expect(await config("KV_layout_levels")).toMatchObject({ max_age: 0, max_msgs_per_subject: 64, allow_direct: false });
    expect(await config("LAYOUT_AUDIT")).toMatchObject({ subjects: ["layout.audit.>"], allow_direct: false });
    await plane.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 1), 0);
    await plane.appendAudit(sampleAuditEntry("e1", "orders.OrderPlaced"));
    expect((await raw.jsm.streams.info("KV_layout_levels", { subjects_filter: ">" })).state.subjects).toEqual({ "$KV.layout_levels.orders_2EOrderPlaced": 1 });
    expect((await raw.jsm.streams.getMessage("LAYOUT_AUDIT", { seq: 1 }))?.subject).toBe("layout.audit.orders_2EOrderPlaced");
  });

  test("a later connection asking for another TTL keeps the bucket's own", async () => {
    await open({ prefix: "ttl", advertisementTtlMs: 4_000 });
    const second = await open({ prefix: "ttl", advertisementTtlMs: 9_000 });
    expect(second.advertisementTtlMs).toBe(4_000);
  });

  test("an expired advertisement is gone from the bucket itself, not only hidden by time", async () => {
    const plane = await open({ advertisementTtlMs: 1_000 });
    await plane.putAdvertisement(sampleAdvertisement("node-1"));
    await using raw = await rawNats(server.url);
    const stored = () => raw.jsm.streams.getMessage(`KV_${plane.layout.adverts}`, { last_by_subj: `$KV.${plane.layout.adverts}.node-1` });
    expect(await stored()).not.toBeNull();
    // The server expires by its own timer, shortly after the age is reached.
    await vi.waitFor(async () => expect(await stored()).toBeNull(), { timeout: 5_000, interval: 100 });
    expect(await plane.getAdvertisement("node-1")).toBeUndefined();
  });

  test("two connections racing compare-and-set from one revision: one wins, the other gets RevisionConflictError", async () => {
    const first = await open({ prefix: "race" });
    const second = await open({ prefix: "race" });
    const base = await first.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 1), 0);
    const outcomes = await Promise.allSettled([
      first.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 2), base),
      second.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 3), base),
    ]);
    const winners = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const losers = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(isTwostepError(losers[0]?.reason, FleetErrorCode.RevisionConflict)).toBe(true);
    expect((losers[0]!.reason as Error).message).toContain("orders.OrderPlaced changed since revision");
  });

  test("malformed records put with a raw client are reported to onMalformed and skipped everywhere", async () => {
    const reports: MalformedRecord[] = [];
    const plane = await open({ prefix: "bad", onMalformed: (record) => reports.push(record) });
    await plane.putAdvertisement(sampleAdvertisement("good"));
    await plane.putMember(sampleMember("good"));
    const goodRevision = await plane.compareAndSetLevel(sampleWriteLevelRecord("good", 1), 0);
    await plane.appendAudit(sampleAuditEntry("good", "good"));
    const levels: { value: { capability: string }; revision: number }[] = [];
    const watch = await plane.watchLevels((record) => levels.push(record));

    await using raw = await rawNats(server.url);
    const [adverts, members, levelBucket] = await Promise.all(["bad_adverts", "bad_members", "bad_levels"].map((bucket) => raw.kvm.open(bucket)));
    await adverts!.put("not-json", "{ nope");
    await members!.put("wrong-shape", JSON.stringify({ ...sampleMember("wrong-shape"), joinedAt: "yesterday" }));
    await levelBucket!.put("someone-else", JSON.stringify(sampleWriteLevelRecord("good", 9)));
    await levelBucket!.put("not.encoded", JSON.stringify(sampleWriteLevelRecord("not.encoded", 1)));
    await raw.js.publish("bad.audit._", JSON.stringify({ id: "x" }));
    await raw.js.publish("bad.audit.elsewhere", JSON.stringify(sampleAuditEntry("misfiled", "good")));

    expect((await plane.listAdvertisements()).map((seen) => seen.advertisement.nodeId)).toEqual(["good"]);
    expect(await plane.getAdvertisement("not-json")).toBeUndefined();
    expect(await plane.listMembers()).toEqual([sampleMember("good")]);
    expect(await plane.listLevels()).toEqual([{ value: sampleWriteLevelRecord("good", 1), revision: goodRevision }]);
    expect(await plane.getLevel("someone-else")).toBeUndefined();
    expect(await plane.readAudit()).toEqual([sampleAuditEntry("good", "good")]);
    await vi.waitFor(() => expect(reports.filter((report) => report.store === "levels").length).toBeGreaterThanOrEqual(4));
    expect(levels).toEqual([{ value: sampleWriteLevelRecord("good", 1), revision: goodRevision }]);
    await watch.stop();

    const problems = new Map(reports.map((report) => [`${report.store} ${report.key}`, report.problem]));
    expect(problems.get("adverts not-json")).toMatch(/^not JSON/);
    expect(problems.get("members wrong-shape")).toMatch(/joinedAt/);
    expect(problems.get("levels someone-else")).toMatch(/stored under "someone-else" but names "good"/);
    expect(problems.get("levels not.encoded")).toMatch(/not an encoded name/);
    expect([...problems.keys()].filter((key) => key.startsWith("audit bad.audit.")).sort()).toEqual(["audit bad.audit._#2", "audit bad.audit.elsewhere#3"]);
  });

  test("an unreachable server gives ControlPlaneUnreachableError", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const error = await connectNatsControlPlane({ servers: `nats://127.0.0.1:${port}` }).catch((reason: unknown) => reason);
    expect(isTwostepError(error, FleetErrorCode.Unreachable)).toBe(true);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  });

  test("binding to buckets nobody created says how to create them", async () => {
    const error = await connectNatsControlPlane({ servers: server.url, bucketPrefix: "missing", create: false }).catch((reason: unknown) => reason);
    expect(isTwostepError(error, FleetErrorCode.Misconfigured)).toBe(true);
    expect((error as Error).message).toMatch(/prefix "missing" do not exist.*create: true/);
  });

  test("options NATS names cannot carry are refused before connecting", async () => {
    for (const options of [{ bucketPrefix: "Has Space" }, { bucketPrefix: "UPPER" }, { advertisementTtlMs: 0 }, { timeoutMs: 1.5 }]) {
      const error = await connectNatsControlPlane({ servers: server.url, ...options }).catch((reason: unknown) => reason);
      expect(isTwostepError(error, FleetErrorCode.InvalidRequest)).toBe(true);
    }
  });

  test("a value every reader would skip is refused on write", async () => {
    const plane = await open();
    const error = await plane.putMember({ ...sampleMember("node-1"), joinedAt: Number.NaN }).catch((reason: unknown) => reason);
    expect(isTwostepError(error, FleetErrorCode.InvalidRequest)).toBe(true);
    expect(await plane.getMember("node-1")).toBeUndefined();
  });

  test("compact() purges old delete markers and nothing written after them", async () => {
    const plane = await open({ prefix: "compact" });
    for (const nodeId of ["left", "back", "stays"]) await plane.putMember(sampleMember(nodeId));
    await plane.removeMember("left");
    await plane.removeMember("back");
    expect(await plane.compact(60_000)).toBe(0);
    await plane.putMember(sampleMember("back", { build: "2.0.0" }));
    expect(await plane.compact(0)).toBe(1);
    await using raw = await rawNats(server.url);
    const subjects = (await raw.jsm.streams.info("KV_compact_members", { subjects_filter: ">" })).state.subjects;
    expect(Object.keys(subjects ?? {}).sort()).toEqual(["$KV.compact_members.back", "$KV.compact_members.stays"]);
    expect((await plane.listMembers()).map((member) => member.build).sort()).toEqual(["1.0.0", "2.0.0"]);
  });

  test("keys are the documented encoding of names", () => {
    expect(encodeKey("orders.OrderPlaced")).toBe("orders_2EOrderPlaced");
    expect(encodeKey("node-7")).toBe("node-7");
  });
});
