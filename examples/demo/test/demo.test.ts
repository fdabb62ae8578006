import { runDemo } from "@twostep/example-demo";
import { expect, test } from "vitest";

test("the demo runs two plans under a controller: the bad canary is failed by its gate and reverted, the fix goes to 100%; nothing is lost and every change is recorded", async () => {
  const lines: string[] = [];
  const summary = await runDemo({ write: (line) => lines.push(line), pace: 0.6 });
  expect(summary.problems).toEqual([]);
  expect(summary.ok).toBe(true);
  expect(summary.lost).toBe(0);
  expect(summary.counts.undecodable).toBe(0);
  expect(summary.counts.mismatched).toBe(0);
  expect(summary.counts.injectedFaults).toBeGreaterThan(0);
  expect(summary.counts.decoded[1]).toBeGreaterThan(0);
  expect(summary.counts.decoded[2]).toBeGreaterThan(0);
  const sent = summary.counts.sent;
  const accounted = (summary.counts.decoded[1] ?? 0) + (summary.counts.decoded[2] ?? 0) + summary.counts.injectedFaults;
  expect(accounted).toBe(sent);
  expect(summary.rollouts.map((rollout) => [rollout.state, rollout.step])).toEqual([
    ["failed", 0],
    ["done", 2],
  ]);
  expect(summary.rollouts[0]?.why).toMatch(/^decode failures: [\d.]+% of \d+ frames of v2 failed \(v1: 0\.00% of \d+\)$/);
  expect(summary.history.map((entry) => `${entry.note.action} ${entry.note.action.startsWith("rollout-") ? "" : entry.note.request}`.trim())).toEqual([
    "enable-write enable v1",
    "refused start rollout of v2: step 1 of 4: zone=zone-a, 25%, bake 3 s",
    "rollout-start",
    "enable-write enable v2 at 25% by key where zone=zone-a",
    "rollout-step",
    "rollout-fail",
    "guard-revert revert ramp",
    "rollout-start",
    "enable-write enable v2 where zone=zone-a",
    "rollout-step",
    "rollout-step",
    "enable-write enable v2 where zone=zone-a|zone-b",
    "rollout-step",
    "rollout-step",
    "enable-write enable v2",
    "rollout-step",
    "rollout-done",
  ]);
  const reverted = summary.history.find((entry) => entry.note.action === "guard-revert");
  expect(reverted?.note.actor).toMatch(/^controller controller-/);
  expect(reverted?.note.reason).toContain("failed: decode failures:");
  const output = lines.join("\n");
  expect(output).toContain("11 × no-reader on orders@1.4.0");
  expect(output).toContain("12/12 nodes read v2");
  expect(output).toContain("controller: a gate failed, writers reverted: decode failures:");
  expect(output).toContain("controller: baked, done: v2 is the write level");
  expect(output).toContain("refuses to start");
  expect(output).toContain("lost 0");
}, 60_000);
