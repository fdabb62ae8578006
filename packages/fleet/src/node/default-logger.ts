import { type Logger, pino } from "pino";

let shared: Logger | undefined;

/**
 * The logger of nodes started without one: pino on stderr at the level of
 * `TWOSTEP_LOG_LEVEL` (else `warn`), made once per process, when the first
 * such node starts, and shared by every node after it (each logs through a
 * child with its own ids). A pino and a stderr stream per node cost more
 * than the node's own start.
 */
export function defaultLogger(): Logger {
  shared ??= pino({ name: "twostep", level: process.env["TWOSTEP_LOG_LEVEL"] ?? "warn" }, pino.destination(2));
  return shared;
}
