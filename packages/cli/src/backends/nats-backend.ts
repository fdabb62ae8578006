import type { NatsControlPlaneOptions } from "@twostep/nats";
import type { ConnectionOptions } from "../connection-options.js";
import type { ConnectionSetting, ControlPlaneBackend } from "../control-plane-backend.js";

/** The NATS control plane's connection settings (docs/cli.md, "Connecting"; docs/nats.md). */
const settings = [
  {
    key: "nats",
    value: "<url>",
    env: "TWOSTEP_NATS_URL",
    kind: "url",
    description: "NATS server(s), comma-separated: nats://host:4222, or tls://host:4222 to require TLS",
  },
  { key: "creds", value: "<file>", env: "TWOSTEP_NATS_CREDS", kind: "file", description: "NATS credentials file (user JWT and nkey seed)" },
  { key: "user", value: "<name>", env: "TWOSTEP_NATS_USER", kind: "text", description: "NATS user" },
  { key: "password", value: "<secret>", env: "TWOSTEP_NATS_PASSWORD", kind: "secret", description: "NATS password" },
  { key: "token", value: "<secret>", env: "TWOSTEP_NATS_TOKEN", kind: "secret", description: "NATS token" },
  { key: "nkey", value: "<file>", env: "TWOSTEP_NATS_NKEY", kind: "file", description: "NATS nkey seed file: a user's seed (SU…), as nk -gen user writes it" },
  {
    key: "tlsCa",
    value: "<file>",
    env: "TWOSTEP_NATS_TLS_CA",
    kind: "file",
    description: "CA certificate (PEM) that signed the NATS server's, when the system does not trust it; requires TLS",
  },
  {
    key: "tlsCert",
    value: "<file>",
    env: "TWOSTEP_NATS_TLS_CERT",
    kind: "file",
    description: "client certificate (PEM), for a NATS server that verifies clients; with --tls-key",
  },
  { key: "tlsKey", value: "<file>", env: "TWOSTEP_NATS_TLS_KEY", kind: "file", description: "private key (PEM) of the client certificate" },
  {
    key: "prefix",
    value: "<name>",
    env: "TWOSTEP_NATS_PREFIX",
    kind: "text",
    description: "prefix of the control plane's names on the NATS server, when not twostep (several fleets on one server)",
  },
] as const satisfies readonly ConnectionSetting[];

/** Where `twostep` connects when no server is given. */
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

/** The NATS control plane of `@twostep/nats`, for `nats://` and `tls://` URLs (its Node client speaks no websockets). */
export const natsBackend = {
  name: "NATS",
  schemes: ["nats", "tls"],
  settings,
  defaultServer: DEFAULT_NATS_URL,
  exampleServer: "nats://nats.internal:4222",
  exampleContext: "--creds release.creds",
  async connect(options: ConnectionOptions) {
    const { connectNatsControlPlane } = await import("@twostep/nats");
    return connectNatsControlPlane(natsOptions(options));
  },
} as const satisfies ControlPlaneBackend;

/** The options of `connectNatsControlPlane` for a resolved connection: the settings under the package's names. */
function natsOptions(options: ConnectionOptions): NatsControlPlaneOptions {
  const { creds, user, password, token, nkey, tlsCa, tlsCert, tlsKey, prefix } = options;
  const tls = { ...present("caFile", tlsCa), ...present("certFile", tlsCert), ...present("keyFile", tlsKey) };
  return {
    servers: options.servers,
    create: options.create,
    ...present("creds", creds),
    ...present("user", user),
    ...present("pass", password),
    ...present("token", token),
    ...present("nkeySeedFile", nkey),
    ...present("bucketPrefix", prefix),
    ...(Object.keys(tls).length === 0 ? {} : { tls }),
  };
}

/** `{ [name]: value }`, or nothing when `value` is undefined. */
function present<K extends string>(name: K, value: string | undefined): { [P in K]?: string } {
  return value === undefined ? {} : ({ [name]: value } as { [P in K]: string });
}
