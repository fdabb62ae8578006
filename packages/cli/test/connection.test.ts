import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connectionOptions, ExitCode } from "@twostep/cli";
import { beforeAll, describe, expect, test } from "vitest";
import { silentServer } from "../../nats/test/support/silent-server.js";
import { TestFleet } from "./support/memory-fleet.js";
import { useTempFiles } from "./support/temp-files.js";
import { runInProcess } from "./support/test-context.js";
import { buildCli, twostep as twostepBinary } from "./support/twostep-binary.js";

// How a command finds its connection: flags, environment, the selected context, defaults; and how a bad one fails closed, before connecting.

const files = useTempFiles();
const plane = () => new TestFleet().plane;

/** The environment of a run whose configuration directory (where contexts live) is the test's temporary directory. */
const configured = (env: Readonly<Record<string, string>> = {}) => ({ XDG_CONFIG_HOME: files.dir(), ...env });

/** Runs `twostep ...argv` in process on a test fleet, with `env`. */
const twostep = (argv: readonly string[], env: Readonly<Record<string, string>> = configured()) => runInProcess(argv, { plane: plane(), env });

/** Writes context `name` of `file` straight into the configuration directory, as a newer or damaged twostep might. */
async function contextFile(name: string, file: unknown): Promise<void> {
  await mkdir(join(files.dir(), "twostep", "contexts"), { recursive: true });
  await writeFile(join(files.dir(), "twostep", "contexts", `${name}.json`), typeof file === "string" ? file : JSON.stringify(file));
}

describe("precedence", () => {
  test("per setting, a flag wins over its variable, which wins over the selected context, which wins over the default", async () => {
    const [flagCreds, envCreds, contextCreds] = await Promise.all(["flag", "env", "context"].map((name) => files.file(`${name}.creds`, "")));
    const added = await twostep(["context", "add", "prod", "--nats", "nats://context:4222", "--creds", contextCreds!, "--prefix", "ctx", "--token", "t0"]);
    expect(added.code).toBe(ExitCode.Ok);
    const env = configured({ TWOSTEP_CONTEXT: "prod", TWOSTEP_NATS_CREDS: envCreds!, TWOSTEP_NATS_PREFIX: "env" });

    const byContext = await twostep(["history"], configured({ TWOSTEP_CONTEXT: "prod" }));
    expect(byContext.connections).toEqual([{ servers: ["nats://context:4222"], creds: contextCreds, prefix: "ctx", token: "t0", create: false }]);
    const byEnv = await twostep(["history"], env);
    expect(byEnv.connections).toEqual([{ servers: ["nats://context:4222"], creds: envCreds, prefix: "env", token: "t0", create: false }]);
    const byFlags = await twostep(["history", "--nats", "nats://a:1, nats://b:2", "--creds", flagCreds!, "--prefix", "flag"], env);
    expect(byFlags.connections).toEqual([{ servers: ["nats://a:1", "nats://b:2"], creds: flagCreds, prefix: "flag", token: "t0", create: false }]);
    const byDefault = await twostep(["init", "--reason", "r", "--yes"]);
    expect(byDefault.connections).toEqual([{ servers: ["nats://127.0.0.1:4222"], create: true }]);
  });

  test("the context is the one --context names, else TWOSTEP_CONTEXT, else the current one", async () => {
    for (const name of ["one", "two", "three"]) {
      expect((await twostep(["context", "add", name, "--nats", `tls://${name}:4222`])).code).toBe(ExitCode.Ok);
    }
    const servers = async (argv: readonly string[], env = configured()) => (await twostep(argv, env)).connections.map((options) => options.servers);
    expect(await servers(["status"])).toEqual([["nats://127.0.0.1:4222"]]);
    await twostep(["context", "use", "three"]);
    expect(await servers(["status"])).toEqual([["tls://three:4222"]]);
    expect(await servers(["status"], configured({ TWOSTEP_CONTEXT: "two" }))).toEqual([["tls://two:4222"]]);
    expect(await servers(["status", "--context", "one"], configured({ TWOSTEP_CONTEXT: "two" }))).toEqual([["tls://one:4222"]]);
  });

  test("the settings of every variable reach the backend by their keys", async () => {
    const [creds, nkey, ca, cert, key] = await Promise.all(["creds", "nkey", "ca", "cert", "key"].map((name) => files.file(name, "")));
    const env = configured({
      TWOSTEP_NATS_URL: "tls://nats.internal:4222",
      TWOSTEP_NATS_CREDS: creds!,
      TWOSTEP_NATS_USER: "alice",
      TWOSTEP_NATS_PASSWORD: "pw",
      TWOSTEP_NATS_TOKEN: "tok",
      TWOSTEP_NATS_NKEY: nkey!,
      TWOSTEP_NATS_TLS_CA: ca!,
      TWOSTEP_NATS_TLS_CERT: cert!,
      TWOSTEP_NATS_TLS_KEY: key!,
      TWOSTEP_NATS_PREFIX: "fleet2",
    });
    expect((await twostep(["status"], env)).connections).toEqual([
      {
        servers: ["tls://nats.internal:4222"],
        creds,
        user: "alice",
        password: "pw",
        token: "tok",
        nkey,
        tlsCa: ca,
        tlsCert: cert,
        tlsKey: key,
        prefix: "fleet2",
        create: false,
      },
    ]);
  });

  test("connectionOptions (check --fleet's): the environment's settings, and a context only when given one", () => {
    const env = { TWOSTEP_NATS_URL: "nats://env:4222", TWOSTEP_NATS_TOKEN: "tok", TWOSTEP_CONTEXT: "prod" };
    expect(connectionOptions({ nats: "nats://fleet:4222" }, env, false)).toEqual({ servers: ["nats://fleet:4222"], token: "tok", create: false });
  });
});

describe("a bad connection fails closed, before connecting", () => {
  test.each([
    ["--context", ["status", "--context", "nope"], {}, "no connection context named nope (given with --context)"],
    ["TWOSTEP_CONTEXT", ["status"], { TWOSTEP_CONTEXT: "nope" }, "no connection context named nope (given with TWOSTEP_CONTEXT)"],
  ])("a context %s names that does not exist: CONTEXT_NOT_FOUND, exit 2", async (_, argv, env, message) => {
    const run = await twostep(argv, configured(env));
    expect(run.code).toBe(ExitCode.Usage);
    expect(run.stderr).toContain(message);
    expect(run.connections).toEqual([]);
  });

  test("a current context that was removed by hand is not skipped: CONTEXT_NOT_FOUND", async () => {
    await twostep(["context", "add", "prod", "--nats", "nats://prod:4222"]);
    await twostep(["context", "use", "prod"]);
    await rm(join(files.dir(), "twostep", "contexts", "prod.json"));
    const run = await twostep(["status", "--json"]);
    expect(run.code).toBe(ExitCode.Usage);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: "CONTEXT_NOT_FOUND", exitCode: 2 } });
    expect(run.stderr).toContain("no connection context named prod (the current context: pick another with twostep context use)");
    expect(run.connections).toEqual([]);
  });

  test("a context that names a file that is gone: INVALID_CONTEXT, naming the file and the fix", async () => {
    const ca = await files.file("ca.pem", "");
    await twostep(["context", "add", "prod", "--nats", "tls://prod:4222", "--tls-ca", ca]);
    await rm(ca);
    const run = await twostep(["status", "--context", "prod", "--json"]);
    expect(run.code).toBe(ExitCode.Usage);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: "INVALID_CONTEXT" } });
    expect(run.stderr).toContain(
      `connection context prod: its tlsCa ${ca} cannot be read (ENOENT): give the right file with twostep context add prod --tls-ca FILE`,
    );
    expect(run.connections).toEqual([]);
  });

  test("a context written by a newer twostep: CONTEXT_TOO_NEW, upgrade", async () => {
    await contextFile("future", { format: 2, nats: "nats://future:4222" });
    const run = await twostep(["status", "--context", "future", "--json"]);
    expect(run.code).toBe(ExitCode.Usage);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: "CONTEXT_TOO_NEW" } });
    expect(run.stderr).toContain("connection context future has format 2: it was written by a newer twostep: upgrade twostep to use it");
    expect(run.connections).toEqual([]);
  });

  test.each([
    ["not JSON", "{ nats: ", "is not JSON"],
    ["without a format", { nats: "nats://x:4222" }, "is not a context file of format 1 (format: Invalid input: expected 1"],
    ["a setting that is no string", { format: 1, nats: 4222 }, "(nats: Invalid input: expected string, received number)"],
  ])("a context file %s: INVALID_CONTEXT", async (_, file, message) => {
    await contextFile("broken", file);
    const run = await twostep(["status", "--context", "broken"]);
    expect(run.code).toBe(ExitCode.Usage);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("fix it, or remove it (twostep context remove broken) and add it again");
    expect(run.connections).toEqual([]);
  });

  test("a file a flag or variable names that cannot be read is a usage error naming the flag or variable", async () => {
    const missing = join(files.dir(), "missing.pem");
    const byFlag = await twostep(["status", "--tls-ca", missing]);
    expect(byFlag.code).toBe(ExitCode.Usage);
    expect(byFlag.stderr).toContain(`cannot read ${missing}, given with --tls-ca (ENOENT): check the path`);
    const byEnv = await twostep(["status"], configured({ TWOSTEP_NATS_NKEY: missing }));
    expect(byEnv.stderr).toContain(`cannot read ${missing}, given with TWOSTEP_NATS_NKEY (ENOENT): check the path`);
    expect([...byFlag.connections, ...byEnv.connections]).toEqual([]);
  });

  test.each([["http://nats.internal:4222"], ["ws://nats.internal:8080"], ["nats.internal:4222"], ["nats://a:4222,http://b:80"]])(
    "the server %s, of a scheme no backend serves: a usage error naming the known schemes",
    async (server) => {
      const run = await twostep(["status", "--nats", server]);
      expect(run.code).toBe(ExitCode.Usage);
      expect(run.stderr).toMatch(/is no control plane URL: give one that starts with nats:\/\/, tls:\/\//);
      expect(run.connections).toEqual([]);
    },
  );

  test("without a configuration directory, a context named cannot be found, and none is current", async () => {
    const named = await twostep(["status", "--context", "prod"], {});
    expect(named.code).toBe(ExitCode.Usage);
    expect(named.stderr).toContain("cannot find connection context prod (given with --context): set XDG_CONFIG_HOME or HOME, where contexts live");
    expect((await twostep(["status"], {})).connections).toEqual([{ servers: ["nats://127.0.0.1:4222"], create: false }]);
  });
});

describe("a hung server", () => {
  beforeAll(buildCli, 120_000);

  test("a command fails as unreachable, exit 3, when the connect timeout (5 s) runs out, not after retries", async () => {
    await using silent = await silentServer();
    const run = await twostepBinary(["status", "--nats", silent.url]);
    expect(run.code).toBe(ExitCode.Unavailable);
    // Ended by the connect timeout, after one connection: no reconnects.
    expect(run.stderr).toMatch(/^error: connect: cannot reach the NATS control plane at nats:\/\/127\.0\.0\.1:\d+ \(timeout\)/);
    expect(silent.connections()).toBe(1);
  });
});
