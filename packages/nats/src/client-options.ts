import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import { type Authenticator, type ConnectionOptions, credsAuthenticator, nkeyAuthenticator, nkeys, type TlsOptions } from "@nats-io/transport-node";
import { InvalidRequestError } from "@twostep/fleet/control-plane";
import type { NatsControlPlaneOptions } from "./connect-nats-control-plane.js";

/** TLS of a connection: PEM files. Any of them, or a `tls://` server URL, requires TLS. */
export interface NatsTlsOptions {
  /** The CA certificate(s) that signed the server's certificate, when not a CA the system trusts. */
  readonly caFile?: string;
  /** The client's certificate, for a server that verifies clients (`verify: true`); give `keyFile` with it. */
  readonly certFile?: string;
  /** The private key of `certFile`. */
  readonly keyFile?: string;
}

/** The options of a connection that say how it authenticates and is secured. */
type ClientAuth = Pick<NatsControlPlaneOptions, "creds" | "user" | "pass" | "token" | "nkeySeedFile" | "tls">;

/**
 * The NATS client's connect options: the servers, the name, the timeout, and
 * the authentication and TLS of `auth`, its files read and checked first, so
 * that a missing or unreadable file, a seed that is no user's nkey seed or a
 * certificate that does not fit its key is an `InvalidRequestError` naming
 * the option and the file, before any server is asked.
 */
export async function clientOptions(servers: readonly string[], auth: ClientAuth, base: { name: string; timeoutMs: number }): Promise<ConnectionOptions> {
  const authenticators: Authenticator[] = [];
  if (auth.creds !== undefined) authenticators.push(credsAuthenticator(await readConnectionFile(auth.creds, "credentials file", "creds")));
  if (auth.nkeySeedFile !== undefined) authenticators.push(nkeyAuthenticator(await readSeed(auth.nkeySeedFile)));
  const tls = await tlsOptions(
    auth.tls,
    servers.some((server) => /^tls:\/\//i.test(server.trim())),
  );
  return {
    servers: [...servers],
    name: base.name,
    timeout: base.timeoutMs,
    // A control plane outlives outages: keep reconnecting, and fail calls meanwhile by their timeout.
    maxReconnectAttempts: -1,
    noAsyncTraces: true,
    ...(auth.user === undefined ? {} : { user: auth.user }),
    ...(auth.pass === undefined ? {} : { pass: auth.pass }),
    ...(auth.token === undefined ? {} : { token: auth.token }),
    ...(authenticators.length === 0 ? {} : { authenticator: authenticators }),
    ...(tls === undefined ? {} : { tls }),
  };
}

/** The client's TLS options: the files' contents, checked to be PEM that fits together; `{}` (TLS required, system CAs) for a `tls://` URL alone. */
async function tlsOptions(files: NatsTlsOptions | undefined, required: boolean): Promise<TlsOptions | undefined> {
  if (files === undefined) return required ? {} : undefined;
  if ((files.certFile === undefined) !== (files.keyFile === undefined)) {
    throw new InvalidRequestError("a client certificate needs its key, and a key its certificate: give both tls.certFile and tls.keyFile, or neither");
  }
  const [ca, cert, key] = await Promise.all([
    optionalFile(files.caFile, "TLS CA file", "tls.caFile"),
    optionalFile(files.certFile, "TLS client certificate", "tls.certFile"),
    optionalFile(files.keyFile, "TLS client key", "tls.keyFile"),
  ]);
  if (ca !== undefined) checkPem(() => new X509Certificate(ca), `the TLS CA file ${files.caFile} holds no PEM certificate: give the CA's certificate`);
  if (cert !== undefined && key !== undefined) {
    checkPem(
      () => createSecureContext({ cert, key }),
      `the TLS client certificate ${files.certFile} and key ${files.keyFile} do not fit together, or are not PEM: give the certificate and its own private key`,
    );
  }
  return { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) };
}

function checkPem(parse: () => unknown, message: string): void {
  try {
    parse();
  } catch (error) {
    throw new InvalidRequestError(message, { cause: error });
  }
}

async function optionalFile(path: string | undefined, what: string, option: string): Promise<string | undefined> {
  return path === undefined ? undefined : new TextDecoder().decode(await readConnectionFile(path, what, option));
}

/** The seed of an nkey seed file (as `nk -gen user` writes it), checked to be a user's seed. */
async function readSeed(path: string): Promise<Uint8Array> {
  const seed = new TextEncoder().encode(new TextDecoder().decode(await readConnectionFile(path, "nkey seed file", "nkeySeedFile")).trim());
  let publicKey: string;
  try {
    publicKey = nkeys.fromSeed(seed).getPublicKey();
  } catch (error) {
    throw new InvalidRequestError(`the nkey seed file ${path} holds no nkey seed: give the file of a user's seed (SU…, as nk -gen user writes it)`, {
      cause: error,
    });
  }
  if (!publicKey.startsWith("U"))
    throw new InvalidRequestError(`the nkey seed file ${path} holds no user's seed (SU…): give the seed of the user the server lists`);
  return seed;
}

async function readConnectionFile(path: string, what: string, option: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new InvalidRequestError(`cannot read the NATS ${what} ${path} (${code}): check the path given as ${option}`, { cause: error });
  }
}
