import type { ConnectionOptions } from "./cli-context.js";

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

/**
 * Resolves the connection: a flag wins over its environment variable
 * (`TWOSTEP_NATS_URL`, `TWOSTEP_NATS_CREDS`, `TWOSTEP_NATS_USER`,
 * `TWOSTEP_NATS_PASSWORD`, `TWOSTEP_NATS_PREFIX`); the server defaults to {@link DEFAULT_NATS_URL}.
 * `create` says whether missing buckets may be created (commands that change the fleet).
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
