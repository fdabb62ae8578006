import { natsBackend } from "./backends/nats-backend.js";
import type { ConnectionSetting, ControlPlaneBackend } from "./control-plane-backend.js";

/**
 * The control-plane backends, chosen by the scheme of the server URLs: the
 * one place a backend is registered. The first serves when no server is given.
 * Loads no @twostep package (a backend loads its own when it connects): --help reads these settings.
 */
const BACKENDS = [natsBackend] as const;

/** The registered backends, in order (`backendFor` of `connection-options.ts` chooses one). */
export const REGISTERED_BACKENDS: readonly ControlPlaneBackend[] = BACKENDS;

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
