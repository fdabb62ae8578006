import type { ControlPlane } from "@twostep/fleet";
import { Option } from "commander";

/**
 * How to reach the control plane, from the connection flags and their
 * environment variables. This file and the connection help group are the
 * only places that know the control plane runs on NATS: commands see a
 * `ControlPlane`.
 */
export interface ConnectionOptions {
  /** NATS server URLs (`--nats` takes them comma-separated). */
  readonly servers: readonly string[];
  /** Path of a NATS credentials file. */
  readonly creds?: string;
  readonly user?: string;
  readonly pass?: string;
  /** Prefix of the control plane's names on the NATS server (one server can hold several fleets). Defaults to `twostep`. */
  readonly bucketPrefix?: string;
  /**
   * Create what the control plane needs on the server when it is missing:
   * true for commands that change the fleet (release-manager credentials),
   * false for reads, which must work with read-only credentials.
   */
  readonly create: boolean;
}

/** The flags every command takes to reach the control plane. */
export interface ConnectionFlags {
  readonly nats?: string;
  readonly creds?: string;
  readonly user?: string;
  readonly password?: string;
  readonly prefix?: string;
}

/** Where `twostep` connects when neither `--nats` nor `TWOSTEP_NATS_URL` is given. */
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

/** The control plane's address in examples. */
export const EXAMPLE_FLEET_URL = "nats://nats.internal:4222";

/**
 * Resolves the connection: a flag wins over its environment variable
 * (`TWOSTEP_NATS_URL`, `TWOSTEP_NATS_CREDS`, `TWOSTEP_NATS_USER`,
 * `TWOSTEP_NATS_PASSWORD`, `TWOSTEP_NATS_PREFIX`); the server defaults to {@link DEFAULT_NATS_URL}.
 * `create` says whether what is missing on the server may be created (commands that change the fleet).
 */
export function connectionOptions(flags: ConnectionFlags, env: Readonly<Record<string, string | undefined>>, create: boolean): ConnectionOptions {
  const pick = (flag: string | undefined, name: string): string | undefined => flag ?? nonEmpty(env[name]);
  const creds = pick(flags.creds, "TWOSTEP_NATS_CREDS");
  const user = pick(flags.user, "TWOSTEP_NATS_USER");
  const pass = pick(flags.password, "TWOSTEP_NATS_PASSWORD");
  const bucketPrefix = pick(flags.prefix, "TWOSTEP_NATS_PREFIX");
  return {
    servers: (pick(flags.nats, "TWOSTEP_NATS_URL") ?? DEFAULT_NATS_URL)
      .split(",")
      .map((server) => server.trim())
      .filter((server) => server !== ""),
    create,
    ...(creds === undefined ? {} : { creds }),
    ...(user === undefined ? {} : { user }),
    ...(pass === undefined ? {} : { pass }),
    ...(bucketPrefix === undefined ? {} : { bucketPrefix }),
  };
}

/** How `check --fleet URL` reaches the control plane at `url`: read-only, with the credentials and prefix of the environment. */
export function fleetUrlConnection(url: string, env: Readonly<Record<string, string | undefined>>): ConnectionOptions {
  return connectionOptions({ nats: url }, env, false);
}

/** The connection flags, in their own help group: every command that reads or changes the fleet takes them. */
export function connectionFlagOptions(): Option[] {
  return [
    new Option("--nats <url>", `NATS server(s), comma-separated (env: TWOSTEP_NATS_URL; default: ${DEFAULT_NATS_URL})`),
    new Option("--creds <file>", "NATS credentials file (env: TWOSTEP_NATS_CREDS)"),
    new Option("--user <name>", "NATS user (env: TWOSTEP_NATS_USER)"),
    new Option("--password <secret>", "NATS password (env: TWOSTEP_NATS_PASSWORD)"),
    new Option("--prefix <name>", "prefix of the control plane on the server (env: TWOSTEP_NATS_PREFIX; default: twostep)"),
  ].map((option) => option.helpGroup("Connection options:"));
}

/** `check --fleet URL`: the control plane of the live fleet, with the credentials and prefix of the environment. */
export function fleetUrlOption(): Option {
  return new Option(
    "--fleet <url>",
    "the control plane (NATS) of the live fleet: a raised write target must also be read by every member " +
      "(credentials and prefix: TWOSTEP_NATS_CREDS, TWOSTEP_NATS_USER, TWOSTEP_NATS_PASSWORD, TWOSTEP_NATS_PREFIX)",
  ).helpGroup("Connection options:");
}

/**
 * The NATS control plane's package, loaded by name only when a command
 * connects (so `--help` never loads it). It is typed here by what the CLI
 * needs of it rather than by its declarations, which keeps the CLI building
 * while that package is rewritten.
 */
const NATS_PACKAGE = "@twostep/nats";

interface NatsPackage {
  connectNatsControlPlane(options: ConnectionOptions): Promise<ControlPlane>;
}

/** Connects to the NATS control plane; throws its `CONTROL_PLANE_UNREACHABLE`, `AUTHENTICATION_FAILED` or `PERMISSION_DENIED` errors. */
export async function connectControlPlane(options: ConnectionOptions): Promise<ControlPlane> {
  const { connectNatsControlPlane } = (await import(NATS_PACKAGE)) as NatsPackage;
  return connectNatsControlPlane(options);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
