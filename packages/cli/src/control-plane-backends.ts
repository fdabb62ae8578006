import { natsBackend } from "./backends/nats-backend.js";
import { UsageError } from "./cli-errors.js";
import type { ConnectionSetting, ControlPlaneBackend } from "./control-plane-backend.js";

/**
 * The control-plane backends, chosen by the scheme of the server URLs: the
 * one place a backend is registered. The first serves when no server is given.
 */
const BACKENDS = [natsBackend] as const;

/** A setting of any backend, with its literal key. */
export type Setting = (typeof BACKENDS)[number]["settings"][number];

/** The backend that serves when no server is given. */
export const DEFAULT_BACKEND: ControlPlaneBackend = BACKENDS[0];

/** Every backend's settings, in --help order. */
export const CONNECTION_SETTINGS: readonly Setting[] = BACKENDS.flatMap((backend) => backend.settings);

/** The setting that gives the server URLs, comma-separated: their scheme chooses the backend. */
export const SERVERS_SETTING: ConnectionSetting = CONNECTION_SETTINGS.find((setting) => setting.kind === "url")!;

/** The schemes of every backend as URLs start with them, comma-separated. */
export const KNOWN_SCHEMES = BACKENDS.flatMap((backend) => backend.schemes.map((scheme) => `${scheme}://`)).join(", ");

/** The backend of `servers`; none, a scheme no backend serves, or servers of two backends, is a `UsageError` naming the known schemes. */
export function backendFor(servers: readonly string[]): ControlPlaneBackend {
  const chosen = new Set(
    servers.map((server) => {
      const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(server)?.[1]?.toLowerCase() ?? "";
      const backend = BACKENDS.find((candidate) => (candidate.schemes as readonly string[]).includes(scheme));
      if (backend === undefined) throw new UsageError(`${server} is no control plane URL: give one that starts with ${KNOWN_SCHEMES}`);
      return backend;
    }),
  );
  const [backend, other] = chosen;
  if (backend === undefined) throw new UsageError(`no server given: give one with ${flagOf(SERVERS_SETTING)} (${KNOWN_SCHEMES})`);
  if (other !== undefined) throw new UsageError(`${servers.join(", ")} name servers of ${backend.name} and of ${other.name}: give one control plane's`);
  return backend;
}

/** The servers of a comma-separated list. */
export function splitServers(list: string): string[] {
  return list
    .split(",")
    .map((server) => server.trim())
    .filter((server) => server !== "");
}

/** The flag of a setting: its key in kebab case, `--tls-ca` for `tlsCa`. */
export function flagOf(setting: ConnectionSetting): string {
  return `--${setting.key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}
