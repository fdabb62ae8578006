import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/** PEM files of a throwaway certificate authority, for tests of TLS on a real nats-server. */
export interface TestCertificates extends AsyncDisposable {
  /** The directory that holds them; removed on dispose. */
  readonly dir: string;
  /** The CA's certificate: it signed the server's and the client's. */
  readonly ca: string;
  /** The server's certificate, for 127.0.0.1 and localhost, and its key. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** A client certificate the CA signed, and its key. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** Another CA's certificate and key, which signed neither: trusted by no server here, and no client's CA of the server's. */
  readonly otherCa: string;
  readonly otherKey: string;
}

const OPENSSL_CONFIG = `
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[server]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
[client]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
`;

/** Makes the certificates of {@link TestCertificates} with `openssl` in a new temporary directory: P-256 keys, valid for two days. */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), "twostep-tls-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => promisify(execFile)("openssl", args, { cwd: dir });
  const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-config", file("openssl.cnf")];
  const authority = (name: string, subject: string) =>
    openssl("req", "-x509", ...newKey, "-extensions", "ca", "-keyout", file(`${name}.key`), "-out", file(`${name}.pem`), "-days", "2", "-subj", subject);
  const signed = async (name: string, subject: string) => {
    await openssl("req", "-new", ...newKey, "-keyout", file(`${name}.key`), "-out", file(`${name}.csr`), "-subj", subject);
    const ca = ["-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial"];
    await openssl(
      "x509",
      "-req",
      "-in",
      file(`${name}.csr`),
      ...ca,
      "-days",
      "2",
      "-extfile",
      file("openssl.cnf"),
      "-extensions",
      name,
      "-out",
      file(`${name}.pem`),
    );
  };
  try {
    await writeFile(file("openssl.cnf"), OPENSSL_CONFIG);
    await Promise.all([authority("ca", "/CN=twostep test CA"), authority("other", "/CN=twostep other CA")]);
    await signed("server", "/CN=localhost");
    await signed("client", "/CN=twostep test client");
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    ca: file("ca.pem"),
    serverCert: file("server.pem"),
    serverKey: file("server.key"),
    clientCert: file("client.pem"),
    clientKey: file("client.key"),
    otherCa: file("other.pem"),
    otherKey: file("other.key"),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A nats-server configuration that requires TLS with the server certificate of `certificates`, and a client certificate its CA signed. */
export function tlsServerConfig(certificates: TestCertificates): string {
  return `tls {
  cert_file: ${JSON.stringify(certificates.serverCert)}
  key_file: ${JSON.stringify(certificates.serverKey)}
  ca_file: ${JSON.stringify(certificates.ca)}
  verify: true
}
`;
}

/** A nats-server configuration that admits only clients that give `token`. */
export function tokenServerConfig(token: string): string {
  return `authorization { token: ${JSON.stringify(token)} }\n`;
}

/** A nats-server configuration whose one user is the nkey `publicKey` (U…). */
export function nkeyServerConfig(publicKey: string): string {
  return `authorization { users: [ { nkey: ${publicKey} } ] }\n`;
}
