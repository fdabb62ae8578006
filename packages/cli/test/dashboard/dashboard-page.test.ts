// The dashboard's page in a real headless browser: Debian's Chromium,
// driven by Playwright's core. Every wait is for a condition of the page
// (Playwright's auto-waiting locators); the timeouts only guard against a hang.
import { RolloutController, type RolloutPlan, Rollouts } from "@twostep/fleet";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { type Chromium, launchChromium } from "../../scripts/chromium.js";
import { addBlockedFleet, useDashboards } from "../support/dashboard.js";
import { addWideFleet, ORDERS, type TestFleet, useFleets, WHO, WIDE_FEATURES } from "../support/memory-fleet.js";

const HANG_GUARD_MS = 45_000;

const newFleet = useFleets();
const newDashboard = useDashboards();
let chromium: Chromium | undefined;
const opened: { page: Page; problems: string[] }[] = [];

beforeAll(async () => {
  chromium = await launchChromium();
}, 120_000);

afterAll(async () => {
  await chromium?.close();
});

afterEach(async () => {
  const pages = opened.splice(0);
  await Promise.all(pages.map(({ page }) => page.close()));
  // A script error or a policy violation (an inline script, a foreign host) shows here.
  expect(pages.flatMap(({ problems }) => problems)).toEqual([]);
});

/** Opens the dashboard of `fleet` (at `path`) and waits until its live channel is open. */
async function open(fleet: TestFleet, path = ""): Promise<Page> {
  const dashboard = await newDashboard(fleet);
  if (chromium === undefined) throw new Error("Chromium did not start");
  const page = await chromium.context.newPage();
  page.setDefaultTimeout(HANG_GUARD_MS);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  opened.push({ page, problems });
  await page.goto(new URL(path, dashboard.url).href);
  await page.locator('#connection[data-state="live"]').waitFor();
  return page;
}

const capability = (page: Page, name = ORDERS) => page.locator(`section[data-capability="${name}"]`);

describe("the dashboard in a browser", { timeout: 120_000 }, () => {
  test("loads and shows the fleet: readiness per level and group, the write level, convergence, the blocker and the history", async () => {
    const fleet = await addBlockedFleet(newFleet());
    const page = await open(fleet);
    await page.locator('#fleet[data-members="3"]').waitFor();
    const orders = capability(page);
    const blockers = orders.locator('[data-part="blockers"][data-count="1"]');
    await expect(blockers.textContent()).resolves.toContain("v2: blocked by 1 of 3 members");
    await expect(blockers.locator('li[data-reason="no-reader"]').textContent()).resolves.toBe(
      "1 × no reader of v2 in build orders@1.4.0 (service orders): old-1",
    );
    await orders.locator('.level[data-level="2"][data-readers="2"][data-of="3"]').waitFor();
    await orders.locator('.level[data-level="1"][data-readers="3"][data-of="3"]').waitFor();
    await expect(orders.locator('[data-part="write"]').textContent()).resolves.toContain("v1 since 2026-01-01 10:00:00Z by alice “first rollout”");
    await orders.locator('[data-part="convergence"][data-applied="3"][data-of="3"]').waitFor();
    await expect(orders.locator('[data-part="drain"]').textContent()).resolves.toContain("1 h (default)");
    await page.locator('#history li[data-action="enable-write"]').waitFor();
    // Readers grouped by build, then by a label the members carry.
    await orders.locator('.level[data-level="2"] .group[data-group="orders@1.4.0 (orders)"][data-readers="0"][data-of="1"]').waitFor();
    await page.selectOption("#group-by", "label:zone");
    await orders.locator('.level[data-level="2"] .group[data-group="zone=a"][data-readers="2"][data-of="2"]').waitFor();
    await orders.locator('.level[data-level="2"] .group[data-group="zone=b"][data-readers="0"][data-of="1"]').waitFor();
  });

  test("updates without a reload when a node joins, and when the blocking node leaves", async () => {
    const fleet = await addBlockedFleet(newFleet());
    const page = await open(fleet);
    await capability(page).locator('[data-part="blockers"][data-count="1"]').waitFor();
    await fleet.add({ prefix: "joined-", count: 1, service: "billing", build: "billing@3.0.0", reads: 2, labels: { zone: "c" } });
    await page.locator('#fleet[data-members="4"]').waitFor();
    await capability(page).locator('.level[data-level="2"][data-readers="3"][data-of="4"]').waitFor();
    await expect(capability(page).locator('[data-part="blockers"]').textContent()).resolves.toContain("blocked by 1 of 4 members");
    const old = fleet.nodes.find((node) => node.nodeId === "old-1");
    await old?.stop();
    await capability(page).locator('[data-part="blockers"][data-count="0"]').waitFor();
    await expect(capability(page).locator('[data-part="blockers"]').textContent()).resolves.toContain("v2: ready, every member reads it");
    await page.locator('#fleet[data-members="3"]').waitFor();
  });

  test("names the first of many blockers and counts them all: the page is sent a summary, not every member", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "new-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "a" } });
    await fleet.add({ prefix: "old-", count: 25, service: "orders", build: "orders@1.4.0", reads: 1, labels: { zone: "b" } });
    await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
    await fleet.heartbeat();
    const page = await open(fleet);
    await page.locator('#fleet[data-members="27"]').waitFor();
    const blockers = capability(page).locator('[data-part="blockers"][data-count="25"]');
    await expect(blockers.textContent()).resolves.toContain("v2: blocked by 25 of 27 members");
    await expect(blockers.locator('li[data-reason="no-reader"]').textContent()).resolves.toBe(
      "25 × no reader of v2 in build orders@1.4.0 (service orders): old-1, old-2, old-3, old-4, old-5, old-6, old-7, old-8, … and 17 more",
    );
    await capability(page).locator('.level[data-level="2"][data-readers="2"][data-of="27"]').waitFor();
    await page.selectOption("#group-by", "label:zone");
    await capability(page).locator('.level[data-level="1"] .group[data-group="zone=b"][data-readers="25"][data-of="25"]').waitFor();
  });

  test("past a dozen capabilities, those with nothing to act on share one card, a row each, whose names open their full cards", async () => {
    const fleet = await addWideFleet(newFleet());
    // A node that takes part in nothing adds capabilities named to break the page: a lone surrogate, markup.
    const hostile = ["evil.\uD800", '<img src=x onerror="window.pwned=1">'];
    const support = { reads: { min: 1, max: 1 }, writes: { min: 1, max: 1 } };
    await fleet.add({
      prefix: "odd-",
      count: 1,
      service: "odd",
      build: "odd@1",
      reads: 2,
      uses: [],
      features: Object.fromEntries(hostile.map((name) => [name, support])),
    });
    const coordinator = fleet.coordinator();
    // feature.f03 under a rollout plan (its step applied), feature.f04 moved to v2 more than its drain window ago.
    const rollouts = new Rollouts(fleet.plane, coordinator, { clock: fleet.clock.now });
    await rollouts.start("feature.f03", { target: 2, steps: [{ percent: 100, where: null, bakeMs: 600_000 }] }, WHO);
    await new RolloutController(fleet.plane, { clock: fleet.clock.now }).tick();
    await coordinator.change("feature.f04", { kind: "policy", drainWindowMs: 60_000 }, WHO);
    await coordinator.enableWrite("feature.f04", 2, WHO);
    await fleet.heartbeat();
    await fleet.advance(61_000);
    const page = await open(fleet);
    await page.locator('#fleet[data-members="4"]').waitFor();
    // Blocked, ramping, and under a plan: a card each.
    await capability(page).locator('[data-part="blockers"][data-count="1"]').waitFor();
    await capability(page, "feature.f02").locator(".badge", { hasText: "ramp v2 50%" }).waitFor();
    await capability(page, "feature.f03").locator('[data-part="rollout"][data-state="running"]').waitFor();
    const quiet = page.locator('section[data-part="quiet"][data-count="14"]');
    await expect(quiet.locator("h3").textContent()).resolves.toBe("14 more capabilities with nothing to act on");
    await expect(quiet.locator('tr[data-capability="feature.f04"] td').nth(3).textContent()).resolves.toBe("v1 (drained), v2");
    await expect(quiet.locator(`tr[data-capability='${hostile[1]}'] a`).getAttribute("href")).resolves.toBe(
      `/?${new URLSearchParams({ capability: hostile[1] as string })}`,
    );
    await expect(quiet.locator("tr", { hasText: "evil." }).count()).resolves.toBe(1);
    await expect(page.locator('[data-part="draw-failed"], img').count()).resolves.toBe(0);
    // Name, revision, written, required, next, applied, readers.
    const cells = await quiet.locator('tr[data-capability="feature.f01"] td').allTextContents();
    expect(cells).toEqual(["feature.f01", expect.stringMatching(/^\d+$/), "v1", "v1", "v2 ready", "3/3", "v1 3/3 · v2 3/3"]);
    await expect(quiet.locator('[data-part="not-live"]').count()).resolves.toBe(0);
    await quiet.locator('tr[data-capability="twostep.records"]').waitFor();
    await expect(page.locator('section.capability[data-capability="feature.f01"]').count()).resolves.toBe(0);
    await quiet.locator('tr[data-capability="feature.f01"] a').click();
    await capability(page, "feature.f01").locator('[data-part="convergence"][data-applied="3"][data-of="3"]').waitFor();
    await expect(page.locator('section[data-part="quiet"]').count()).resolves.toBe(0);
  });

  test("members that are not live are named once on the quiet card, instead of keeping every capability on a card of its own", async () => {
    const fleet = await addWideFleet(newFleet());
    // 22 more nodes, and new-2, stop sending heartbeats: every record they take part in waits on them.
    const gone = await fleet.add({ prefix: "gone-", count: 22, service: "orders", build: "orders@2.0.0", reads: 2, features: WIDE_FEATURES });
    // feature.f04 moves to v2 and its drain window of v1 ends, but they might still write v1.
    const coordinator = fleet.coordinator();
    await coordinator.change("feature.f04", { kind: "policy", drainWindowMs: 60_000 }, WHO);
    await coordinator.enableWrite("feature.f04", 2, WHO);
    await fleet.heartbeat();
    fleet.silence("new-2", ...gone.map((node) => node.nodeId));
    await fleet.advance(61_000);
    const page = await open(fleet);
    const quiet = page.locator('section[data-part="quiet"][data-count="13"]');
    // The summary names the first 20 members each record waits on, of 23: five are named here, and the rest counted as at least.
    const first = fleet.nodes.find((node) => node.nodeId === "gone-1")?.incarnation;
    await expect(quiet.locator('[data-part="not-live"]').textContent()).resolves.toMatch(
      new RegExp(
        `^waiting only on members that are not live: gone-1 \\(expired, last seen [^,]+, incarnation ${first}\\), gone-2 .*, gone-5 \\([^)]+\\), … and at least 15 more ` +
          "\\(expired ones: start them again, or twostep decommission them \\(with --incarnation when the node id runs again\\)\\)$",
      ),
    );
    await expect(quiet.locator('tr[data-capability="feature.f01"] td').nth(5).textContent()).resolves.toBe("2/25");
    await expect(quiet.locator('tr[data-capability="feature.f04"] td').nth(3).textContent()).resolves.toBe("v1, v2");
    // Blocked (orders) and ramping (f02) keep their cards, which name the first members they wait on.
    await capability(page).locator('[data-part="convergence"] li[data-node="gone-1"]').waitFor();
    await expect(page.locator("section.capability").count()).resolves.toBe(2);
  });

  test("past a dozen groups, a level shows a bar for each group that does not all read it and counts the others", async () => {
    const fleet = newFleet();
    for (let service = 1; service <= 13; service++)
      await fleet.add({ prefix: `s${service}-`, count: 1, service: `s${service}`, build: `s${service}@2`, reads: 2 });
    await fleet.add({ prefix: "old-", count: 1, service: "s14", build: "s14@1", reads: 1 });
    await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
    await fleet.heartbeat();
    const page = await open(fleet);
    await page.locator('#fleet[data-members="14"]').waitFor();
    const level2 = capability(page).locator('.level[data-level="2"]');
    await level2.locator('.group[data-group="s14@1 (s14)"][data-readers="0"][data-of="1"]').waitFor();
    await expect(level2.locator(".group").count()).resolves.toBe(1);
    await expect(level2.locator("[data-full-groups]").textContent()).resolves.toBe("13 other groups: every member reads v2");
    const level1 = capability(page).locator('.level[data-level="1"]');
    await expect(level1.locator("[data-full-groups]").textContent()).resolves.toBe("14 other groups: every member reads v1");
    await expect(level1.locator(".group").count()).resolves.toBe(0);
  });

  test("updates as a rollout plan advances, step by step, to done", async () => {
    const fleet = newFleet();
    for (const zone of ["a", "b"]) await fleet.add({ prefix: `${zone}-`, count: 2, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone } });
    const coordinator = fleet.coordinator();
    await coordinator.enableWrite(ORDERS, 1, WHO);
    const plan: RolloutPlan = {
      target: 2,
      steps: [
        { percent: 100, where: { zone: ["a"] }, bakeMs: 60_000 },
        { percent: 100, where: null, bakeMs: 60_000 },
      ],
      gates: [{ kind: "convergence", name: "converged" }],
      intervalMs: 5_000,
    };
    await new Rollouts(fleet.plane, coordinator, { clock: fleet.clock.now }).start(ORDERS, plan, { actor: "alice", reason: "REL-7" });
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now });
    /** Moves the fake clock in steps of the plan's interval: the nodes heartbeat, the controller looks. */
    const pass = async (ms: number) => {
      for (let passed = 0; passed < ms; passed += 5_000) {
        await fleet.advance(5_000);
        await controller.tick();
        await fleet.settle();
      }
    };
    const page = await open(fleet);
    const rollout = capability(page).locator('[data-part="rollout"]');
    await rollout.and(page.locator('[data-state="running"][data-step="1"][data-steps="2"]')).waitFor();
    await expect(rollout.textContent()).resolves.toContain("step 1 of 2: zone=a, 100%, bake 1 min");
    await expect(rollout.textContent()).resolves.toContain("being applied");

    await pass(10_000);
    await capability(page).locator(".badge", { hasText: "ramp v2 100%" }).waitFor();
    await rollout.locator('[data-gate="converged"][data-verdict="pass"]').waitFor();
    await expect(capability(page).locator('[data-part="write"]').textContent()).resolves.toContain("to v2 on every node where zone=a");

    await pass(60_000);
    await rollout.and(page.locator('[data-state="running"][data-step="2"]')).waitFor();
    await rollout.locator('li.past[data-step="1"]').waitFor();

    await pass(75_000);
    await rollout.and(page.locator('[data-state="done"]')).waitFor();
    await capability(page).locator(".badge", { hasText: "writes v2" }).waitFor();
    await page.locator('#history li[data-action="rollout-done"]').waitFor();
  });

  test("shows what nodes and authors send as text: markup in ids, builds, labels, reasons and the query string never runs", async () => {
    const fleet = newFleet();
    const hostile = {
      node: '<img src=x onerror="window.pwned=1">',
      service: "<b>svc</b>",
      build: "</code><script>window.pwned=2</script>",
      zone: "<i>a</i>",
    };
    await fleet.add({ prefix: "ok-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
    await fleet.add({ prefix: hostile.node, count: 1, service: hostile.service, build: hostile.build, reads: 1, labels: { zone: hostile.zone } });
    await fleet
      .coordinator()
      .enableWrite(ORDERS, 1, { actor: "<svg onload=window.pwned=3>", reason: '<iframe src="/api/status"></iframe><a href="javascript:window.pwned=4">x</a>' });
    await fleet.heartbeat();
    const page = await open(fleet);
    const blocker = capability(page).locator('[data-part="blockers"] li[data-reason="no-reader"]');
    await expect(blocker.textContent()).resolves.toBe(`1 × no reader of v2 in build ${hostile.build} (service ${hostile.service}): ${hostile.node}1`);
    await page.locator('#history li[data-action="enable-write"]', { hasText: "<svg onload=window.pwned=3>" }).waitFor();
    await page.locator('#history li[data-action="enable-write"]', { hasText: '<iframe src="/api/status"></iframe>' }).waitFor();
    await page.selectOption("#group-by", "label:zone");
    await capability(page).locator(`.group[data-group="zone=${hostile.zone}"]`).first().waitFor();
    await page.locator("#nodes td", { hasText: hostile.service }).waitFor();
    const injected = "img, iframe, b, i, svg, a[href^='javascript'], script:not([src])";
    await expect(page.locator(injected).count()).resolves.toBe(0);
    await expect(page.evaluate(() => "pwned" in globalThis)).resolves.toBe(false);

    const probe = '<img src=x onerror="window.pwned=5">';
    const focused = await open(fleet, `/?capability=${encodeURIComponent(probe)}`);
    await expect(focused.locator("#capabilities").textContent()).resolves.toBe(`no capability named ${probe} in this fleet`);
    await expect(focused.locator("#fleet code").textContent()).resolves.toBe(probe);
    await expect(focused.locator(injected).count()).resolves.toBe(0);
    await expect(focused.evaluate(() => "pwned" in globalThis)).resolves.toBe(false);
  });
});
