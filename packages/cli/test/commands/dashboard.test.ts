import type { StatusJson } from "@twostep/cli";
import { expect, test, vi } from "vitest";
import { addBlockedFleet, ask } from "../support/dashboard.js";
import { useFleets } from "../support/memory-fleet.js";
import { startInProcess } from "../support/test-context.js";

const newFleet = useFleets();

test("--help says it listens on loopback, and on another address only when --host names it", async () => {
  const help = await newFleet().run(["dashboard", "--help"]);
  expect(help.code).toBe(0);
  const text = help.stdout.replace(/\s+/g, " ");
  expect(text).toContain("--port <n> the port to listen on; 0 takes a free one (default: 4280)");
  expect(text).toContain("--host <address> the address to listen on (default: 127.0.0.1, loopback: this machine only)");
  expect(text).toContain("an address other machines reach is refused unless named here");
  expect(text).toContain("the page has no login");
  expect(text).toContain("$ twostep dashboard --port 8080");
});

test("serves the fleet until interrupted, then stops listening (exit 0)", async () => {
  const fleet = await addBlockedFleet(newFleet());
  const interrupt = new AbortController();
  const running = startInProcess(["dashboard", "--port", "0", "--interval", "50"], { plane: fleet.plane, clock: fleet.clock.now, signal: interrupt.signal });
  await vi.waitFor(() => expect(running.stdout()).toMatch(/^dashboard on http:\/\/127\.0\.0\.1:\d+\/ \(read-only; Ctrl-C stops it\)\n$/));
  const url = /http:\/\/\S+\//.exec(running.stdout())?.[0] ?? "";
  const status = await ask(new URL("api/status", url).href);
  expect((JSON.parse(status.body) as StatusJson).memberCount).toBe(3);
  interrupt.abort();
  const run = await running.done;
  expect([run.code, run.stderr]).toEqual([0, ""]);
  await expect(ask(url)).rejects.toThrow(/ECONNREFUSED/);
});

test("refuses every interface, a bad port, and an address that is not this machine's, as usage errors (exit 2)", async () => {
  const fleet = newFleet();
  const refused = async (argv: readonly string[]) => {
    const run = await fleet.run(["dashboard", ...argv]);
    expect(run.code).toBe(2);
    return run.stderr;
  };
  expect(await refused(["--host", "0.0.0.0"])).toContain("--host 0.0.0.0 listens on every interface");
  expect(await refused(["--port", "http"])).toContain("--port takes a whole number from 0 to 65535");
  // Named explicitly, a non-loopback address is allowed; this one (TEST-NET-1) is not an address of this machine.
  expect(await refused(["--host", "192.0.2.1", "--port", "0"])).toContain("cannot listen on 192.0.2.1: it is not an address of this machine");
});

test("an address or a port it may not listen on is refused before connecting (exit 2, not 3 when the control plane is away)", async () => {
  const fleet = newFleet();
  for (const argv of [
    ["--host", "0.0.0.0"],
    ["--host", ""],
    ["--port", "http"],
    ["--port", "70000"],
  ]) {
    const run = await fleet.run(["dashboard", ...argv]);
    expect(run.code, argv.join(" ")).toBe(2);
    expect(run.connections, argv.join(" ")).toEqual([]);
  }
});
