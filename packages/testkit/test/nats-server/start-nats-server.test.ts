import { existsSync, readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { isTwostepError } from "@twostep/core";
import { NatsServerErrorCode, startNatsServer, type NatsServer } from "@twostep/testkit/nats-server";
import { afterEach, describe, expect, test, vi } from "vitest";

/** The INFO the server greets a client with, or undefined when nothing answers. */
function greeting(port: number): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      const end = text.indexOf("\r\n");
      if (end < 0) return;
      socket.destroy();
      resolve(JSON.parse(text.slice("INFO ".length, end)) as Record<string, unknown>);
    });
    socket.on("error", () => resolve(undefined));
  });
}

/**
 * A raw client connection. `ping()` sends PING; `pings` and `pongs` count
 * those sent and the PONGs received, so that no late PONG is taken for a new
 * one.
 */
async function rawClient(port: number) {
  const socket = connect({ host: "127.0.0.1", port });
  socket.setEncoding("utf8");
  let pings = 0;
  let pongs = 0;
  socket.on("data", (chunk: string) => {
    pongs += chunk.split("PONG\r\n").length - 1;
  });
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write("CONNECT {}\r\n");
  return {
    ping: (): void => {
      pings++;
      socket.write("PING\r\n");
    },
    get pings(): number {
      return pings;
    },
    get pongs(): number {
      return pongs;
    },
    close: () => socket.destroy(),
  };
}

/** The state letter of each thread of process `pid` (R, S, T, ...), from /proc/<pid>/task/<tid>/stat. */
function threadStates(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    // The state follows the command name, which is in parentheses and may hold any character.
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  });
}

describe("startNatsServer", () => {
  const started: NatsServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.stop()));
  });

  test("starts a server with JetStream on an OS-assigned port of 127.0.0.1", async () => {
    const server = await startNatsServer();
    started.push(server);
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    const info = await greeting(server.port);
    expect(info?.["jetstream"]).toBe(true);
    expect(existsSync(server.storeDir)).toBe(true);
  });

  test("pid is the running server's process, a new one after restart(), and undefined once stopped", async () => {
    const server = await startNatsServer();
    started.push(server);
    const first = server.pid;
    expect(first).toBeGreaterThan(0);
    expect(readFileSync(`/proc/${first}/cmdline`, "utf8")).toContain(server.storeDir);
    await server.restart();
    expect(server.pid).toBeGreaterThan(0);
    expect(server.pid).not.toBe(first);
    await server.stop();
    expect(server.pid).toBeUndefined();
  });

  test("pause() resolves once the server answers nothing, even a request sent at once; resume() lets it answer again", async () => {
    const server = await startNatsServer();
    started.push(server);
    const client = await rawClient(server.port);
    const pid = server.pid!;
    try {
      client.ping();
      await vi.waitFor(() => expect(client.pongs).toBe(1), { timeout: 30_000 });
      // Sent right after the signal, a request was answered now and then (about 1 time in 10) before pause() waited for the stop.
      for (let round = 0; round < 50; round++) {
        await server.pause();
        // Stopped, every thread of it: nothing can answer until it is resumed.
        const states = threadStates(pid);
        expect(states.length).toBeGreaterThan(0);
        expect(
          states.filter((state) => state !== "T"),
          `round ${round}: threads not stopped`,
        ).toEqual([]);
        const before = client.pongs;
        client.ping();
        // A look at the socket, not a wait for anything: a PONG would have to come from a stopped process.
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(client.pongs, `round ${round}: answered while paused`).toBe(before);
        server.resume();
        await vi.waitFor(() => expect(client.pongs).toBe(client.pings), { timeout: 30_000, interval: 5 });
      }
    } finally {
      client.close();
    }
  });

  test("two servers get two ports", async () => {
    const [a, b] = await Promise.all([startNatsServer(), startNatsServer()]);
    started.push(a, b);
    expect(a.port).not.toBe(b.port);
  });

  test("applies the extra configuration", async () => {
    const server = await startNatsServer({ config: 'authorization { user: "alice", password: "s3cret" }' });
    started.push(server);
    expect((await greeting(server.port))?.["auth_required"]).toBe(true);
  });

  test("restart() starts a new process on the same port with the same store directory", async () => {
    const server = await startNatsServer();
    started.push(server);
    const { port, storeDir } = server;
    const before = (await greeting(port))?.["server_id"];
    await server.restart();
    expect(server.port).toBe(port);
    expect(server.storeDir).toBe(storeDir);
    const after = await greeting(port);
    expect(after?.["jetstream"]).toBe(true);
    // A new process (a new server id) on the old port; JetStream state surviving is shown by the NATS control plane's tests.
    expect(after?.["server_id"]).not.toBe(before);
  });

  test("await using stops the server and removes its directory when the block ends", async () => {
    let port = 0;
    let storeDir = "";
    {
      await using server = await startNatsServer();
      ({ port, storeDir } = server);
      expect(await greeting(port)).toBeDefined();
    }
    expect(await greeting(port)).toBeUndefined();
    expect(existsSync(storeDir)).toBe(false);
  });

  test("stop() may be called twice", async () => {
    const server = await startNatsServer();
    await server.stop();
    await server.stop();
    expect(await greeting(server.port)).toBeUndefined();
  });

  test("a missing binary gives a typed error that says how to install it", async () => {
    const error = await startNatsServer({ binary: "nats-server-that-is-not-installed" }).catch((reason: unknown) => reason);
    expect(isTwostepError(error, NatsServerErrorCode.Missing)).toBe(true);
    expect((error as Error).message).toContain("apt-get install nats-server");
  });

  test("a configuration the server rejects gives a typed error with the end of its log", async () => {
    const error = await startNatsServer({ config: "this is { not a config" }).catch((reason: unknown) => reason);
    expect(isTwostepError(error, NatsServerErrorCode.NotReady)).toBe(true);
    expect((error as Error).message).toMatch(/exited before it was ready[\s\S]*last lines of its log/);
  });
});
