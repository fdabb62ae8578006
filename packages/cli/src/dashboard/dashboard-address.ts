import { isIP } from "node:net";
import { isPort } from "../arg-parsers.js";
import { UsageError } from "../cli-errors.js";

/** Where the dashboard listens unless told otherwise: only this machine can reach it. */
export const DEFAULT_DASHBOARD_HOST = "127.0.0.1";

/** The dashboard's port unless told otherwise. */
export const DEFAULT_DASHBOARD_PORT = 4280;

/** Checks a port number: a whole number from 0 (a free one) to 65535. */
export function checkDashboardPort(port: number): number {
  if (!isPort(port)) throw new UsageError("--port takes a whole number from 0 to 65535 (0 takes a free port)");
  return port;
}

/** `::1` for `[::1]`: a host as it is given in a URL or a Host header, without IPv6 brackets, in lower case. */
function bare(host: string): string {
  return host
    .trim()
    .replace(/^\[(.*)\]$/, "$1")
    .toLowerCase();
}

/** True for an address only this machine can reach: 127.0.0.0/8, ::1 (also as an IPv4-mapped address) and `localhost`. */
export function isLoopback(host: string): boolean {
  const name = bare(host);
  if (name === "localhost" || name === "::1") return true;
  return (isIP(name) === 4 && name.startsWith("127.")) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(name);
}

/**
 * Checks the address the dashboard is asked to listen on and returns it
 * bare. Refused: an address of every interface (`0.0.0.0`, `::`), where
 * the Host header of a request cannot be checked against the address it
 * came to; and, unless `allowNonLoopback` (the operator named the host
 * explicitly), any address other machines can reach.
 */
export function checkDashboardHost(host: string, allowNonLoopback: boolean): string {
  const name = bare(host);
  if (name === "") throw new UsageError("--host is empty: give an address such as 127.0.0.1");
  if (name === "0.0.0.0" || name === "::" || name === "::0") {
    throw new UsageError(
      `--host ${host} listens on every interface, where a request's Host header cannot be checked against one address: ` +
        "give one address, such as 127.0.0.1 (the default) or this machine's address on the network",
    );
  }
  if (!allowNonLoopback && !isLoopback(name)) {
    throw new UsageError(
      `${host} is not a loopback address: the dashboard listens on other addresses only when --host names them explicitly ` +
        "(the page has no login: whoever reaches it reads the fleet's state)",
    );
  }
  return name;
}

/**
 * The Host headers the dashboard answers (`host:port`, lower case): the
 * names it listens on (as given and as bound) and, on a loopback address,
 * `localhost`. Any other Host (a DNS name an attacker points at this
 * address, for one) is refused: a web page on another site cannot read the
 * fleet's state through a browser on this machine.
 */
export function allowedHosts(names: readonly string[], port: number): ReadonlySet<string> {
  const hosts = new Set<string>();
  const add = (name: string) => {
    const host = isIP(name) === 6 ? `[${name}]` : name;
    hosts.add(`${host}:${port}`);
    if (port === 80) hosts.add(host);
  };
  for (const name of names.map(bare)) {
    add(name);
    if (isLoopback(name)) add("localhost");
  }
  return hosts;
}
