import { escapeControls, terminalSafe } from "@twostep/cli";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ORDERS, useFleets, WHO } from "../support/memory-fleet.js";

const newFleet = useFleets();
const ESC = "\u001b";
/** An OSC 8 hyperlink that shows "orders@2.0.0" and points elsewhere, and a clear-screen. */
const LINK = `${ESC}]8;;https://evil.example/${ESC}\\orders@2.0.0${ESC}]8;;${ESC}\\`;
const CLEAR = `${ESC}[2J${ESC}[H`;

describe("escapeControls", () => {
  test("writes C0 and C1 controls, DEL and bidi overrides out as escapes, and leaves the rest", () => {
    expect(escapeControls(`a${ESC}[2Jb`)).toBe("a\\u001b[2Jb");
    expect(escapeControls("tab\tnew\nline\r")).toBe("tab\\tnew\\nline\\r");
    expect(escapeControls("\u0007\u007f\u009b\u202e\u2066")).toBe("\\u0007\\u007f\\u009b\\u202e\\u2066");
    expect(escapeControls("zone-b-7 → ok, ümlaut, 日本")).toBe("zone-b-7 → ok, ümlaut, 日本");
  });

  test("terminalSafe copies plain data, keys included", () => {
    expect(terminalSafe({ [`k${ESC}`]: [`v${ESC}`, 1, null, { deep: `${ESC}x` }] })).toEqual({ "k\\u001b": ["v\\u001b", 1, null, { deep: "\\u001bx" }] });
  });

  test("terminalSafe hands back what holds nothing to escape, and copies only the path to what does", () => {
    const clean = { nodeId: "n-1", labels: { zone: "a" }, applied: [1, 2], state: null };
    expect(terminalSafe(clean)).toBe(clean);
    const mixed = { clean, dirty: { build: `b${ESC}` } };
    const safe = terminalSafe(mixed);
    expect(safe).not.toBe(mixed);
    expect(safe.clean).toBe(clean);
    expect(safe.dirty).toEqual({ build: "b\\u001b" });
    expect(mixed.dirty.build).toBe(`b${ESC}`);
  });

  test("terminalSafe copies what is not plain data as plain data, as always: only its own enumerable properties reach a renderer", () => {
    class Member {
      constructor(readonly nodeId: string) {}
      get label(): string {
        return `L${ESC}[2J`;
      }
    }
    const member = terminalSafe(new Member("n-1"));
    expect(Object.getPrototypeOf(member)).toBe(Object.prototype);
    expect(member.label).toBeUndefined();
    expect(member).toEqual({ nodeId: "n-1" });
    expect(terminalSafe({ error: new Error(`boom${ESC}`), seen: new Map([["k", `v${ESC}`]]) })).toEqual({ error: {}, seen: {} });
  });

  test("terminalSafe makes an object met twice safe once: a build's capabilities shared by its members stay shared", () => {
    const capabilities = { [`flags${ESC}`]: { reads: { min: 1, max: 2 } } };
    const members = Array.from({ length: 3 }, (_, index) => ({ nodeId: `n-${index}`, capabilities }));
    const safe = terminalSafe(members);
    expect(safe[0]?.capabilities).toEqual({ "flags\\u001b": { reads: { min: 1, max: 2 } } });
    expect(safe[1]?.capabilities).toBe(safe[0]?.capabilities);
    expect(safe[2]?.capabilities).toBe(safe[0]?.capabilities);
  });

  test("terminalSafe of any plain data equals a deep copy with every string and key escaped, and leaves its input alone", () => {
    const unsafe = fc.constantFrom(ESC, "\n", "\t", "\u0000", "\u007f", "\u009b", "\u200e", "\u202e", "\u2069");
    const text = fc.array(fc.oneof(fc.string({ maxLength: 3 }), unsafe), { maxLength: 4 }).map((parts) => parts.join(""));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, text, fc.integer(), fc.constant(null), fc.boolean(), tie("array"), tie("object")),
      array: fc.array(tie("value"), { maxLength: 4 }),
      object: fc.dictionary(text, tie("value"), { maxKeys: 4 }),
    }));
    // Some values are put in twice, as a status shares a build's capabilities among its members.
    const data = fc.tuple(value, fc.array(fc.nat(3), { maxLength: 3 })).map(([shared, places]) => ({ shared, again: places.map(() => shared), own: shared }));
    const reference = (item: unknown): unknown => {
      if (typeof item === "string") return escapeControls(item);
      if (Array.isArray(item)) return item.map(reference);
      if (typeof item === "object" && item !== null)
        return Object.fromEntries(Object.entries(item).map(([key, inner]) => [escapeControls(key), reference(inner)]));
      return item;
    };
    fc.assert(
      fc.property(data, (input) => {
        const before = JSON.stringify(input);
        const safe = terminalSafe(input);
        expect(safe).toEqual(reference(input));
        for (const seen of textsOf(safe)) expect(seen).not.toMatch(UNSAFE);
        expect(JSON.stringify(input)).toBe(before);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("untrusted text from the control plane never reaches the terminal raw", () => {
  test("node ids, services, builds, labels, capabilities and reasons are escaped in every view; JSON stays JSON", async () => {
    const fleet = newFleet();
    await fleet.add({
      prefix: `evil${CLEAR}-`,
      count: 1,
      service: `shop${CLEAR}`,
      build: LINK,
      reads: 1,
      labels: { [`zone${ESC}[31m`]: `a${ESC}[0m` },
      features: { [`flags${CLEAR}`]: { reads: { min: 1, max: 1 } } },
    });
    await fleet.add({ prefix: "n-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
    await fleet.coordinator().enableWrite(ORDERS, 1, { actor: `mallory${CLEAR}`, reason: `see ${LINK}` });
    const runs = [
      await fleet.run(["status"]),
      await fleet.run(["plan", ORDERS, "2"]),
      await fleet.run(["history"]),
      await fleet.run(["enable-write", ORDERS, "2", "--reason", `again ${CLEAR}`, "--yes"]),
      await fleet.run(["decommission", `evil${CLEAR}-1`, "--dry-run"]),
      await fleet.run(["watch", "--for", "0.1", "--interval", "20"]),
    ];
    for (const run of runs) {
      expect(run.stdout + run.stderr).not.toContain(ESC);
      expect(run.stdout + run.stderr).toContain("\\u001b");
    }
    const [status, plan, history, refused, decommission] = runs;
    expect(status?.stdout).toContain("shop\\u001b[2J\\u001b[H");
    expect(status?.stdout).toContain("flags\\u001b[2J\\u001b[H");
    expect(plan?.stdout).toContain("no reader of v2 in build \\u001b]8;;https://evil.example/\\u001b\\orders@2.0.0\\u001b]8;;\\u001b\\");
    expect(history?.stdout).toContain("mallory\\u001b[2J\\u001b[H");
    expect(refused?.stderr).toContain("evil\\u001b[2J\\u001b[H-1");
    expect(decommission?.stdout).toContain("Plan: decommission node evil\\u001b[2J\\u001b[H-1");
    const { output } = await fleet.json(["status"]);
    const members = output["members"] as { nodeId: string; build: string; labels: Record<string, string> }[];
    expect(members.find((member) => member.build === LINK)).toMatchObject({ nodeId: `evil${CLEAR}-1`, labels: { [`zone${ESC}[31m`]: `a${ESC}[0m` } });
    const { output: audit } = await fleet.json(["history"]);
    expect((audit["entries"] as { note: { actor: string } }[]).map((entry) => entry.note.actor)).toContain(`mallory${CLEAR}`);
  });

  test("the confirmation prompt is escaped too", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
    await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
    const run = await fleet.run(["policy", `${ORDERS}${CLEAR}`, "--drain-window", "1h", "--reason", "r"], { stdinTTY: true, answers: [false] });
    expect(run.questions).toEqual(["orders.OrderPlaced\\u001b[2J\\u001b[H: drain window: 3600000 ms?"]);
  });
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Every string in plain data, keys included. */
function textsOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(textsOf);
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([key, inner]) => [key, ...textsOf(inner)]);
  return [];
}
