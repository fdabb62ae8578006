import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nkeys } from "@nats-io/transport-node";
import { isTwostepError } from "@twostep/core";
import { FleetErrorCode } from "@twostep/fleet/control-plane";
import { connectNatsControlPlane, type NatsControlPlaneOptions } from "@twostep/nats";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bytes, textOf } from "./support/planes.js";
import { makeTestCertificates, nkeyServerConfig, type TestCertificates, tlsServerConfig, tokenServerConfig } from "./support/secured-servers.js";
import { failure } from "../../fleet/test/support/outcomes.js";

// TLS, token and nkey connections on real nats-servers: what connects, and the typed error of each wrong option.

/** Connects with `options`, writes an entry and reads it back, and closes: the connection works. */
async function roundTrip(options: NatsControlPlaneOptions): Promise<void> {
  const plane = await connectNatsControlPlane(options);
  try {
    const key = { kind: "member", nodeId: "n", incarnation: "1" } as const;
    await plane.append(key, bytes("here"));
    expect(textOf((await plane.get(key))!.value)).toBe("here");
  } finally {
    await plane.close();
  }
}

/** Expects `attempt` to fail with the error `code`, its message containing `words`. */
async function expectError(attempt: Promise<unknown>, code: string, words: string): Promise<void> {
  const error = await failure(attempt);
  expect(isTwostepError(error, code), `${code}: ${error.message}`).toBe(true);
  expect(error.message).toContain(words);
}

describe("TLS, with client certificates verified", () => {
  let certificates: TestCertificates;
  let server: NatsServer;
  let url: string;

  beforeAll(async () => {
    certificates = await makeTestCertificates();
    server = await startNatsServer({ config: tlsServerConfig(certificates) });
    url = server.url;
  });

  afterAll(async () => {
    await server?.stop();
    await certificates?.[Symbol.asyncDispose]();
  });

  const clientTls = () => ({ caFile: certificates.ca, certFile: certificates.clientCert, keyFile: certificates.clientKey });

  test("the CA and a client certificate it signed connect, by a nats:// and by a tls:// URL", async () => {
    await roundTrip({ servers: url, tls: clientTls() });
    await roundTrip({ servers: url.replace("nats://", "tls://"), tls: clientTls() });
  });

  test("a server certificate no CA given vouches for is AuthenticationFailedError naming the certificate code", async () => {
    await expectError(
      connectNatsControlPlane({ servers: url, tls: { ...clientTls(), caFile: certificates.otherCa } }),
      FleetErrorCode.AuthenticationFailed,
      "presented a certificate that does not verify (UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    );
    // Without TLS options the client still takes the TLS the server requires, and trusts the system's CAs only.
    await expectError(connectNatsControlPlane({ servers: url }), FleetErrorCode.AuthenticationFailed, "give the CA that signed it");
  });

  test("without a client certificate, or with one the server's CA did not sign, the server ends the connection: ControlPlaneUnreachableError", async () => {
    const hint = "a server that verifies client certificates ends the connection so when it refuses the one given, or none";
    await expectError(connectNatsControlPlane({ servers: url, tls: { caFile: certificates.ca }, timeoutMs: 1_000 }), FleetErrorCode.Unreachable, hint);
    const foreign = { caFile: certificates.ca, certFile: certificates.otherCa, keyFile: certificates.otherKey };
    await expectError(connectNatsControlPlane({ servers: url, tls: foreign, timeoutMs: 1_000 }), FleetErrorCode.Unreachable, hint);
  });

  test("TLS files that are missing, not PEM, or do not fit together are InvalidRequestError before connecting", async () => {
    const missing = join(certificates.dir, "missing.pem");
    const cases: [NatsControlPlaneOptions["tls"], string][] = [
      [{ caFile: missing }, `cannot read the NATS TLS CA file ${missing} (ENOENT): check the path given as tls.caFile`],
      [{ ...clientTls(), certFile: missing }, `cannot read the NATS TLS client certificate ${missing} (ENOENT)`],
      [{ caFile: certificates.clientKey }, `the TLS CA file ${certificates.clientKey} holds no PEM certificate`],
      [{ certFile: certificates.clientCert, keyFile: certificates.otherKey }, "do not fit together, or are not PEM"],
      [{ certFile: certificates.clientCert }, "give both tls.certFile and tls.keyFile, or neither"],
    ];
    for (const [tls, words] of cases) {
      // An address nobody listens on: the files fail first.
      await expectError(
        connectNatsControlPlane({ servers: "nats://127.0.0.1:1", ...(tls === undefined ? {} : { tls }) }),
        FleetErrorCode.InvalidRequest,
        words,
      );
    }
  });

  test("a tls:// URL requires TLS: a server without it is refused", async () => {
    await using plain = await startNatsServer();
    await expectError(connectNatsControlPlane({ servers: plain.url.replace("nats://", "tls://") }), FleetErrorCode.Unreachable, "tls");
  });
});

describe("token", () => {
  let server: NatsServer;

  beforeAll(async () => {
    server = await startNatsServer({ config: tokenServerConfig("s3cret-token") });
  });

  afterAll(async () => {
    await server?.stop();
  });

  test("the token connects; a wrong one, or none, is AuthenticationFailedError", async () => {
    await roundTrip({ servers: server.url, token: "s3cret-token" });
    await expectError(connectNatsControlPlane({ servers: server.url, token: "wrong" }), FleetErrorCode.AuthenticationFailed, "refused the credentials");
    await expectError(connectNatsControlPlane({ servers: server.url }), FleetErrorCode.AuthenticationFailed, "refused the credentials");
  });
});

describe("nkey", () => {
  const user = nkeys.createUser();
  let server: NatsServer;
  let dir: string;

  /** Writes `text` to a file of the temporary directory and returns its path. */
  const seedFile = async (name: string, text: string | Uint8Array) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "twostep-nkey-"));
    server = await startNatsServer({ config: nkeyServerConfig(user.getPublicKey()) });
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("the user's seed file connects; another user's seed is AuthenticationFailedError", async () => {
    await roundTrip({ servers: server.url, nkeySeedFile: await seedFile("user.nk", `${new TextDecoder().decode(user.getSeed())}\n`) });
    const stranger = await seedFile("stranger.nk", nkeys.createUser().getSeed());
    await expectError(connectNatsControlPlane({ servers: server.url, nkeySeedFile: stranger }), FleetErrorCode.AuthenticationFailed, "refused the credentials");
  });

  test("a seed file that is missing, holds no seed, or an account's seed is InvalidRequestError before connecting", async () => {
    const missing = join(dir, "missing.nk");
    const cases: [string, string][] = [
      [missing, `cannot read the NATS nkey seed file ${missing} (ENOENT): check the path given as nkeySeedFile`],
      [await seedFile("garbage.nk", "not a seed"), "holds no nkey seed: give the file of a user's seed"],
      [await seedFile("account.nk", nkeys.createAccount().getSeed()), "holds no user's seed (SU…)"],
    ];
    for (const [nkeySeedFile, words] of cases) {
      await expectError(connectNatsControlPlane({ servers: "nats://127.0.0.1:1", nkeySeedFile }), FleetErrorCode.InvalidRequest, words);
    }
  });
});
