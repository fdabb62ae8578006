import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ExitCode } from "@twostep/cli";
import { describe, expect, test } from "vitest";
import { TestFleet } from "../support/memory-fleet.js";
import { useTempFiles } from "../support/temp-files.js";
import { runInProcess } from "../support/test-context.js";

// twostep context add|list|show|use|remove, on a temporary configuration directory.

const files = useTempFiles();
const contextsDir = () => join(files.dir(), "twostep", "contexts");
const twostep = (argv: readonly string[], env: Readonly<Record<string, string>> = { XDG_CONFIG_HOME: files.dir() }) =>
  runInProcess(argv, { plane: new TestFleet().plane, env, cwd: files.dir() });
const stored = async (name: string) => JSON.parse(await readFile(join(contextsDir(), `${name}.json`), "utf8")) as Record<string, unknown>;

describe("context add", () => {
  test("stores the context as JSON of format 1, readable by the user alone, file paths made absolute", async () => {
    await files.file("release.creds", "");
    const run = await twostep(["context", "add", "prod", "--nats", "nats://nats.internal:4222", "--creds", "release.creds", "--description", "production"]);
    expect(run.code).toBe(ExitCode.Ok);
    expect(run.stdout).toContain(`added connection context prod (${join(contextsDir(), "prod.json")})`);
    expect(run.stdout).toContain("use it with --context prod, or make it the current one: twostep context use prod");
    expect(await stored("prod")).toEqual({
      format: 1,
      nats: "nats://nats.internal:4222",
      creds: join(files.dir(), "release.creds"),
      description: "production",
    });
    expect((await stat(join(contextsDir(), "prod.json"))).mode & 0o777).toBe(0o600);
    expect((await stat(contextsDir())).mode & 0o777).toBe(0o700);
    expect((await stat(join(files.dir(), "twostep"))).mode & 0o777).toBe(0o700);
    expect(run.connections).toEqual([]);
  });

  test("on an existing context, changes the settings given, removes those given empty, and keeps the others and a newer twostep's fields", async () => {
    await twostep(["context", "add", "prod", "--nats", "nats://a:4222", "--token", "t1", "--prefix", "fleet2"]);
    await writeFile(join(contextsDir(), "prod.json"), JSON.stringify({ ...(await stored("prod")), proxy: { host: "p" } }));
    const run = await twostep(["context", "add", "prod", "--nats", "tls://b:4222", "--token", ""]);
    expect(run.code).toBe(ExitCode.Ok);
    expect(run.stdout).toContain("updated connection context prod");
    expect(await stored("prod")).toEqual({ format: 1, nats: "tls://b:4222", prefix: "fleet2", proxy: { host: "p" } });
  });

  test.each([
    ["a new context without its server", ["context", "add", "prod", "--token", "t"], "a connection context needs its server: give --nats URL"],
    [
      "a server of no backend",
      ["context", "add", "prod", "--nats", "http://x:80"],
      "http://x:80 is no control plane URL: give one that starts with nats://, tls://",
    ],
    ["a file that is not there", ["context", "add", "prod", "--nats", "nats://x:4222", "--nkey", "user.nk"], "given with --nkey (ENOENT): check the path"],
    ["a name that is no file name", ["context", "add", "../prod", "--nats", "nats://x:4222"], '"../prod" is no context name'],
    ["removing the server", ["context", "add", "prod", "--nats", ""], "a connection context needs its server"],
  ])("refuses %s: usage error, nothing written", async (_, argv, message) => {
    const run = await twostep(argv);
    expect(run.code).toBe(ExitCode.Usage);
    expect(run.stderr).toContain(message);
    expect((await twostep(["context", "list", "--json"])).stdout).toContain('"contexts": []');
  });

  test("refuses to rewrite a context of a newer format, which stays as it is", async () => {
    await mkdir(contextsDir(), { recursive: true });
    const future = JSON.stringify({ format: 2, nats: "nats://future:4222", mirrors: ["x"] });
    await writeFile(join(contextsDir(), "future.json"), future);
    const run = await twostep(["context", "add", "future", "--prefix", "p"]);
    expect(run.code).toBe(ExitCode.Usage);
    expect(run.stderr).toContain("connection context future has format 2: it was written by a newer twostep: upgrade twostep");
    expect(await readFile(join(contextsDir(), "future.json"), "utf8")).toBe(future);
  });

  test("without XDG_CONFIG_HOME, contexts live under $HOME/.config; with neither, a usage error says what to set", async () => {
    expect((await twostep(["context", "add", "prod", "--nats", "nats://x:4222"], { HOME: files.dir() })).code).toBe(ExitCode.Ok);
    expect(await readFile(join(files.dir(), ".config", "twostep", "contexts", "prod.json"), "utf8")).toContain('"format": 1');
    const nowhere = await twostep(["context", "list"], {});
    expect(nowhere.code).toBe(ExitCode.Usage);
    expect(nowhere.stderr).toContain("set XDG_CONFIG_HOME or HOME");
  });
});

describe("context list, show, use, remove", () => {
  async function three(): Promise<void> {
    await twostep(["context", "add", "prod", "--nats", "nats://prod:4222", "--user", "alice", "--password", "pw", "--description", "production"]);
    await twostep(["context", "add", "stage", "--nats", "nats://stage:4222", "--token", "secret-token"]);
    await mkdir(contextsDir(), { recursive: true });
    await writeFile(join(contextsDir(), "broken.json"), "{");
  }

  test("list: every context, the current one marked, one that cannot be used with why", async () => {
    await three();
    expect((await twostep(["context", "use", "stage"])).stdout).toBe("current connection context: stage (nats://stage:4222)\n");
    const run = await twostep(["context", "list"]);
    expect(run.code).toBe(ExitCode.Ok);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ {3}broken {2}cannot be used {5}connection context broken: .*broken\.json is not JSON/);
    expect(lines[1]).toMatch(/^ {3}prod {4}nats:\/\/prod:4222 {3}production$/);
    expect(lines[2]).toMatch(/^\* {2}stage {3}nats:\/\/stage:4222$/);
    const json = JSON.parse((await twostep(["context", "list", "--json"])).stdout) as Record<string, unknown>;
    expect(json).toEqual({
      current: "stage",
      contexts: [
        { name: "broken", current: false, server: null, description: null, problem: expect.stringContaining("is not JSON") },
        { name: "prod", current: false, server: "nats://prod:4222", description: "production", problem: null },
        { name: "stage", current: true, server: "nats://stage:4222", description: null, problem: null },
      ],
    });
  });

  test("list, with none: how to add one", async () => {
    expect((await twostep(["context", "list"])).stdout).toBe("no connection contexts: add one with twostep context add NAME --nats URL\n");
  });

  test("show: the settings with secrets masked, the file, and the fields of a newer twostep by name only", async () => {
    await three();
    await writeFile(join(contextsDir(), "prod.json"), JSON.stringify({ ...(await stored("prod")), apiKey: "hidden" }));
    const text = await twostep(["context", "show", "prod"]);
    expect(text.code).toBe(ExitCode.Ok);
    expect(text.stdout).toBe(
      [
        "connection context prod",
        "  description  production",
        "  nats         nats://prod:4222",
        "  user         alice",
        "  password     ********",
        `  file         ${join(contextsDir(), "prod.json")}`,
        "  kept         apiKey (fields of a newer twostep)",
        "",
      ].join("\n"),
    );
    expect(text.stdout).not.toContain("pw");
    expect(text.stdout).not.toContain("hidden");
    await twostep(["context", "use", "stage"]);
    const json = JSON.parse((await twostep(["context", "show", "--json"])).stdout) as Record<string, unknown>;
    expect(json).toEqual({
      name: "stage",
      current: true,
      path: join(contextsDir(), "stage.json"),
      format: 1,
      description: null,
      settings: { nats: "nats://stage:4222", token: "********" },
      otherFields: [],
    });
  });

  test("use and show of a context that does not exist, or cannot be used: its error, and the current one stays", async () => {
    await three();
    await twostep(["context", "use", "prod"]);
    const missing = await twostep(["context", "use", "nope"]);
    expect(missing.code).toBe(ExitCode.Usage);
    expect(missing.stderr).toContain("no connection context named nope: twostep context list shows them, twostep context add makes one");
    expect((await twostep(["context", "use", "broken"])).code).toBe(ExitCode.Usage);
    expect((await twostep(["context", "show", "nope", "--json"])).stdout).toContain('"code": "CONTEXT_NOT_FOUND"');
    expect(await readFile(join(files.dir(), "twostep", "current-context"), "utf8")).toBe("prod\n");
  });

  test("remove: deletes the file, even one that cannot be parsed; removing the current one leaves none current", async () => {
    await three();
    await twostep(["context", "use", "prod"]);
    expect((await twostep(["context", "remove", "broken"])).code).toBe(ExitCode.Ok);
    const removed = await twostep(["context", "remove", "prod"]);
    expect(removed.stdout).toContain("removed connection context prod");
    expect(removed.stdout).toContain("it was the current one: commands now connect by their flags, the environment and the defaults");
    expect(JSON.parse((await twostep(["context", "list", "--json"])).stdout)).toMatchObject({ current: null, contexts: [{ name: "stage" }] });
    expect((await twostep(["status"])).connections).toEqual([{ servers: ["nats://127.0.0.1:4222"], create: false }]);
    expect((await twostep(["context", "remove", "prod"])).stderr).toContain("no connection context named prod");
  });
});
