import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nkeys } from "@nats-io/transport-node";
import { ExitCode } from "@twostep/cli";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTestCertificates, nkeyServerConfig, type TestCertificates, tlsServerConfig, tokenServerConfig } from "../../nats/test/support/secured-servers.js";
import { buildCli, type BinaryRun, twostep } from "./support/twostep-binary.js";

// The built binary against real nats-servers that require TLS with client certificates, a token, or an nkey:
// it connects with the right settings (from flags, variables or a context), and fails with the typed error and
// exit code, never a stack trace, with wrong ones.

let dir: string;
let certificates: TestCertificates;
let tlsServer: NatsServer;
let tokenServer: NatsServer;
let nkeyServer: NatsServer;
const user = nkeys.createUser();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "twostep-secured-"));
  certificates = await makeTestCertificates();
  [tlsServer, tokenServer, nkeyServer] = await Promise.all([
    startNatsServer({ config: tlsServerConfig(certificates) }),
    startNatsServer({ config: tokenServerConfig("s3cret-token") }),
    startNatsServer({ config: nkeyServerConfig(user.getPublicKey()) }),
    buildCli(),
  ]);
});

afterAll(async () => {
  await Promise.all([tlsServer?.stop(), tokenServer?.stop(), nkeyServer?.stop(), certificates?.[Symbol.asyncDispose]()]);
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs the binary with its configuration in the test's directory and none of the connection variables of
 * the environment the tests run in, so that only what a test gives reaches the server.
 */
function run(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<BinaryRun> {
  const inherited = Object.keys(process.env).filter((name) => name.startsWith("TWOSTEP_") && name !== "TWOSTEP_LOG_LEVEL");
  return twostep(args, { env: { ...Object.fromEntries(inherited.map((name) => [name, ""])), XDG_CONFIG_HOME: dir, HOME: dir, ...env } });
}

/** Sets the control plane up with `settings`, then expects `twostep status` with them to show it. */
async function expectConnects(settings: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<void> {
  const init = await run(["init", "--reason", "secured fleet", "--yes", ...settings], env);
  expect(init.code, init.stderr).toBe(ExitCode.Ok);
  const status = await run(["status", "--json", ...settings], env);
  expect(status.code, status.stderr).toBe(ExitCode.Ok);
  expect(JSON.parse(status.stdout)).toMatchObject({ format: 2, plane: { epoch: 1 } });
}

/** Expects `twostep status` with `settings` to fail with error `code` and its exit code, a message containing `words`, and no stack trace. */
async function expectRefused(settings: readonly string[], code: string, exitCode: number, words: string): Promise<void> {
  const status = await run(["status", "--json", ...settings]);
  expect(status.code, status.stderr).toBe(exitCode);
  expect(JSON.parse(status.stdout)).toMatchObject({ error: { code, exitCode } });
  expect(status.stderr).toMatch(/^error: /);
  expect(status.stderr).toContain(words);
  expect(status.stderr).not.toMatch(/^\s+at /m);
}

describe("TLS with client certificates", () => {
  const tls = () => ["--tls-ca", certificates.ca, "--tls-cert", certificates.clientCert, "--tls-key", certificates.clientKey];

  test("the CA, a client certificate and its key connect, by flags and through a context of a tls:// URL", async () => {
    await expectConnects(["--nats", tlsServer.url, ...tls()]);
    const tlsUrl = tlsServer.url.replace("nats://", "tls://");
    const added = await run(["context", "add", "secured", "--nats", tlsUrl, ...tls(), "--description", "TLS fleet"]);
    expect(added.code, added.stderr).toBe(ExitCode.Ok);
    await expectConnects([], { TWOSTEP_CONTEXT: "secured" });
    expect((await run(["context", "use", "secured"])).code).toBe(ExitCode.Ok);
    try {
      await expectConnects([]);
    } finally {
      // A current context lends its settings to every command: the other tests give their own.
      expect((await run(["context", "remove", "secured"])).code).toBe(ExitCode.Ok);
    }
  });

  test("a CA that did not sign the server's certificate: AUTHENTICATION_FAILED, exit 3", async () => {
    const wrongCa = ["--tls-ca", certificates.otherCa, "--tls-cert", certificates.clientCert, "--tls-key", certificates.clientKey];
    await expectRefused(["--nats", tlsServer.url, ...wrongCa], "AUTHENTICATION_FAILED", ExitCode.Unavailable, "presented a certificate that does not verify");
  });

  test("no client certificate: the server ends the connection, CONTROL_PLANE_UNREACHABLE, exit 3, saying to check the certificate", async () => {
    await expectRefused(
      ["--nats", tlsServer.url, "--tls-ca", certificates.ca],
      "CONTROL_PLANE_UNREACHABLE",
      ExitCode.Unavailable,
      "a server that verifies client certificates ends the connection so when it refuses the one given, or none",
    );
  });

  test("a CA file that is not there: USAGE, exit 2, before connecting", async () => {
    const missing = join(dir, "missing-ca.pem");
    await expectRefused(["--nats", tlsServer.url, "--tls-ca", missing], "USAGE", ExitCode.Usage, `cannot read ${missing}, given with --tls-ca (ENOENT)`);
  });

  test("a client certificate without its key: INVALID_REQUEST, exit 2", async () => {
    await expectRefused(
      ["--nats", tlsServer.url, "--tls-ca", certificates.ca, "--tls-cert", certificates.clientCert],
      "INVALID_REQUEST",
      ExitCode.Usage,
      "give both tls.certFile and tls.keyFile",
    );
  });
});

describe("token", () => {
  test("the token connects, by flag and by TWOSTEP_NATS_TOKEN", async () => {
    await expectConnects(["--nats", tokenServer.url, "--token", "s3cret-token"]);
    await expectConnects(["--nats", tokenServer.url], { TWOSTEP_NATS_TOKEN: "s3cret-token" });
  });

  test("a wrong token: AUTHENTICATION_FAILED, exit 3", async () => {
    await expectRefused(["--nats", tokenServer.url, "--token", "wrong"], "AUTHENTICATION_FAILED", ExitCode.Unavailable, "refused the credentials");
  });
});

describe("nkey", () => {
  const seedFile = async (name: string, seed: Uint8Array | string) => {
    const path = join(dir, name);
    await writeFile(path, seed);
    return path;
  };

  test("the user's seed file connects, by flag and by TWOSTEP_NATS_NKEY", async () => {
    const seed = await seedFile("user.nk", user.getSeed());
    await expectConnects(["--nats", nkeyServer.url, "--nkey", seed]);
    await expectConnects(["--nats", nkeyServer.url], { TWOSTEP_NATS_NKEY: seed });
  });

  test("another user's seed: AUTHENTICATION_FAILED, exit 3; a file without a seed: INVALID_REQUEST, exit 2", async () => {
    const stranger = await seedFile("stranger.nk", nkeys.createUser().getSeed());
    await expectRefused(["--nats", nkeyServer.url, "--nkey", stranger], "AUTHENTICATION_FAILED", ExitCode.Unavailable, "refused the credentials");
    const garbage = await seedFile("garbage.nk", "not a seed");
    await expectRefused(["--nats", nkeyServer.url, "--nkey", garbage], "INVALID_REQUEST", ExitCode.Usage, `the nkey seed file ${garbage} holds no nkey seed`);
  });
});
