import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import {
  AuthorizationError,
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  InvalidArgumentError,
  NoRespondersError,
  PermissionViolationError,
  RequestError,
  TimeoutError,
  UserAuthenticationExpiredError,
} from "@nats-io/transport-node";
import { isTwostepError } from "@twostep/core";
import {
  AuthenticationFailedError,
  ControlPlaneMisconfiguredError,
  ControlPlaneUnreachableError,
  InvalidRequestError,
  PermissionDeniedError,
} from "@twostep/fleet/control-plane";

/** What a failed call was doing, for the error that replaces the client's. */
export interface NatsCallContext {
  /** The operation, in words: `append level orders.OrderPlaced`. */
  readonly operation: string;
  /** The servers, as the user gave them. */
  readonly servers: string;
  /** The prefix, for advice on missing streams. */
  readonly prefix: string;
  /** True while connecting: a server that refuses a client certificate ends the connection, which the client only sees as a timeout. */
  readonly connecting?: boolean;
}

/** JetStream's "temporarily unavailable": a stream or meta leader election, or a cluster without quorum. */
const TEMPORARILY_UNAVAILABLE = 10008;

// Library options first; the CLI's flag and variable for who reads it there.
const where = "the servers given (`servers`; twostep's --nats or TWOSTEP_NATS_URL)";

/**
 * Node's codes of a server certificate that did not verify: OpenSSL's
 * verification results (docs of `node:tls`, "X509 certificate error codes")
 * and Node's own for a host name the certificate does not cover.
 */
const CERTIFICATE_REJECTED = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * Turns an error of the NATS client into the typed error of
 * `@twostep/fleet`, by class and code, never by message text; the client's
 * error is kept as `cause`. Twostep errors pass through; anything else is
 * returned unchanged.
 */
export function translateNatsError(error: unknown, context: NatsCallContext): unknown {
  if (isTwostepError(error)) return error;
  const { operation, servers, prefix } = context;
  const options = { cause: error };
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof TypeError && code === "ERR_INVALID_URL") {
    return new InvalidRequestError(`${servers} is not a NATS server URL: give nats://host:4222 (several separated by commas for a cluster)`, options);
  }
  const violation = findCause(error, PermissionViolationError);
  if (violation !== undefined) {
    return new PermissionDeniedError(
      operation,
      `permission denied: ${operation} (${violation.operation} on ${violation.subject}): these credentials may not do that; ` +
        `release-manager credentials do (see docs/nats.md, "Permissions")`,
      options,
    );
  }
  const refused = findCause(error, AuthorizationError) ?? findCause(error, UserAuthenticationExpiredError);
  if (refused !== undefined) {
    return new AuthenticationFailedError(
      `the NATS server at ${servers} refused the credentials (${refused.message}): check the user and password, token or .creds file given`,
      options,
    );
  }
  const untrusted = findCode(error, (code) => CERTIFICATE_REJECTED.has(code));
  if (untrusted !== undefined) {
    return new AuthenticationFailedError(
      `the NATS server at ${servers} presented a certificate that does not verify (${untrusted.code}: ${untrusted.message}): ` +
        "give the CA that signed it (tls.caFile, twostep's --tls-ca), and check that the certificate names the host of the URL",
      options,
    );
  }
  const api = findCause(error, JetStreamApiError);
  if (api?.code === JetStreamApiCodes.StreamNotFound) {
    return new ControlPlaneMisconfiguredError(
      `${operation}: the control plane's streams under prefix "${prefix}" do not exist on ${servers}: ` +
        "connect once with create: true and release-manager credentials (see docs/nats.md), or check the prefix",
      options,
    );
  }
  if (api?.code === JetStreamApiCodes.JetStreamNotEnabledForAccount) {
    return new ControlPlaneMisconfiguredError(
      `${operation}: JetStream is not enabled for this account on ${servers}: give the account \`jetstream: enabled\` (see docs/nats.md)`,
      options,
    );
  }
  if (api?.code === TEMPORARILY_UNAVAILABLE) {
    return new ControlPlaneUnreachableError(
      `${operation}: JetStream on ${servers} is temporarily unavailable (a leader election, or a cluster that lost its majority): ` +
        "retry in a few seconds, and check that most of the cluster's servers run",
      options,
    );
  }
  const lookup = findCode(error, (code) => code === "ENOTFOUND");
  if (lookup !== undefined) {
    const host = typeof lookup.hostname === "string" ? lookup.hostname : servers;
    return new ControlPlaneUnreachableError(`${operation}: cannot resolve the NATS host ${host}: check ${where}`, options);
  }
  if (findCause(error, NoRespondersError) !== undefined) {
    return new ControlPlaneUnreachableError(
      `${operation}: nothing answered the JetStream request on ${servers}: check that nats-server runs with JetStream on ` +
        "(and, in a cluster, that a majority of its servers run)",
      options,
    );
  }
  const unreachable = [ConnectionError, ClosedConnectionError, DrainingConnectionError, TimeoutError, RequestError].some(
    (kind) => findCause(error, kind) !== undefined,
  );
  if (unreachable) {
    const why = error instanceof Error ? error.message : String(error);
    const certificate =
      context.connecting === true && findCause(error, TimeoutError) !== undefined
        ? "; a server that verifies client certificates ends the connection so when it refuses the one given, or none (tls.certFile and tls.keyFile, twostep's --tls-cert and --tls-key)"
        : "";
    return new ControlPlaneUnreachableError(
      `${operation}: cannot reach the NATS control plane at ${servers} (${why}): check that nats-server runs there and ${where} (see docs/nats.md)${certificate}`,
      options,
    );
  }
  const invalid = findCause(error, InvalidArgumentError);
  if (invalid !== undefined) {
    return new InvalidRequestError(`${operation}: the NATS client refused it (${invalid.message}); make the record smaller or raise max_payload`, options);
  }
  return error;
}

/** The first error of class `kind` in the `cause` chain of `error`, itself included. */
export function findCause<T extends Error>(error: unknown, kind: abstract new (...args: never[]) => T): T | undefined {
  for (const current of causes(error)) if (current instanceof kind) return current;
  return undefined;
}

/** True when `error` is JetStream's "wrong last sequence": a compare-and-set that lost. */
export function isWrongLastSequence(error: unknown): boolean {
  const code = findCause(error, JetStreamApiError)?.code;
  return code === JetStreamApiCodes.StreamWrongLastSequence || code === JetStreamApiCodes.StreamWrongLastSequenceUnknown;
}

/** The first error in the `cause` chain of `error`, itself included, whose string `code` passes `test`. */
function findCode(error: unknown, test: (code: string) => boolean): (Error & { code: string; hostname?: unknown }) | undefined {
  for (const current of causes(error)) {
    const { code } = current as { code?: unknown };
    if (typeof code === "string" && test(code)) return current as Error & { code: string };
  }
  return undefined;
}

function* causes(error: unknown): Generator<Error> {
  const seen = new Set<unknown>();
  let current = error;
  while (current instanceof Error && !seen.has(current)) {
    yield current;
    seen.add(current);
    current = current.cause;
  }
}
