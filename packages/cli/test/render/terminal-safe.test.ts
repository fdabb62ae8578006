import { escapeControls, terminalSafe } from "@twostep/cli";
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
