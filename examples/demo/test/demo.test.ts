import { runDemo } from "@twostep/example-demo";
import { expect, test } from "vitest";

test("the demo plays the whole rollout, loses nothing and records every change", async () => {
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
  expect(summary.history.map((entry) => `${entry.note.action} ${entry.note.request}`)).toEqual([
    "enable-write enable v1",
    "refused enable v2",
    "enable-write enable v2 at 1% by key",
    "enable-write enable v2 at 10% by key",
    "guard-revert revert ramp",
    "enable-write enable v2 at 1% by key",
    "enable-write enable v2 at 10% by key",
    "enable-write enable v2",
  ]);
  const output = lines.join("\n");
  expect(output).toContain("11 × no-reader on orders@1.4.0");
  expect(output).toContain("12/12 nodes read v2");
  expect(output).toContain("refuses to start");
  expect(output).toContain("lost 0");
}, 60_000);
