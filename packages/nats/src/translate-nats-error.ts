import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import {
  AuthorizationError,
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  InvalidArgumentError,
  PermissionViolationError,
  RequestError,
  TimeoutError,
  UserAuthenticationExpiredError,
} from "@nats-io/transport-node";
import { isTwostepError } from "@twostep/core";
import { ControlPlaneMisconfiguredError, ControlPlaneUnreachableError, InvalidRequestError, PermissionDeniedError } from "@twostep/fleet";

/** What a failed call was doing, for the error that replaces the client's. */
export interface NatsCallContext {
  /** The operation, in words: `compareAndSetLevel orders.OrderPlaced`. */
  readonly operation: string;
  /** The servers, as the user gave them. */
  readonly servers: string;
  /** The bucket prefix, for advice on missing buckets. */
  readonly prefix: string;
}

// The client wraps "no responders" (no JetStream answering) as a RequestError cause.
const unreachable = [ConnectionError, ClosedConnectionError, DrainingConnectionError, TimeoutError, RequestError];

/**
 * Turns an error of the NATS client into the control plane's typed error,
 * by class and code, never by message: a permissions violation becomes a
 * `PermissionDeniedError` naming the operation and subject; refused
 * credentials too; a lost connection, a timeout or no JetStream answering
 * becomes a `ControlPlaneUnreachableError`; a missing bucket or stream an
 * `ControlPlaneMisconfiguredError` that says how to create it; an argument
 * the client refuses (a record over max_payload) an `InvalidRequestError`.
 * Twostep errors pass through; anything else is returned unchanged.
 */
export function translateNatsError(error: unknown, context: NatsCallContext): unknown {
  if (isTwostepError(error)) return error;
  const violation = findCause(error, PermissionViolationError);
  if (violation !== undefined) {
    return new PermissionDeniedError(`${context.operation} (${violation.operation} on ${violation.subject})`, { cause: error });
  }
  const refused = findCause(error, AuthorizationError) ?? findCause(error, UserAuthenticationExpiredError);
  if (refused !== undefined) {
    return new PermissionDeniedError(`${context.operation} (the server refused the credentials: ${refused.message})`, { cause: error });
  }
  const api = findCause(error, JetStreamApiError);
  if (api?.code === JetStreamApiCodes.StreamNotFound) {
    return new ControlPlaneMisconfiguredError(
      `${context.operation}: the control plane's buckets under prefix "${context.prefix}" do not exist on ${context.servers}: ` +
        `connect once with create: true and release-manager credentials (see docs/nats.md), or check the bucket prefix`,
      { cause: error },
    );
  }
  if (api?.code === JetStreamApiCodes.JetStreamNotEnabledForAccount) {
    return new ControlPlaneMisconfiguredError(
      `${context.operation}: JetStream is not enabled for this account on ${context.servers}: give the account \`jetstream: enabled\` (see docs/nats.md)`,
      { cause: error },
    );
  }
  if (unreachable.some((kind) => findCause(error, kind) !== undefined)) return new ControlPlaneUnreachableError(context.servers, { cause: error });
  const invalid = findCause(error, InvalidArgumentError);
  if (invalid !== undefined) {
    // Such as a record over the server's max_payload: the client refuses it before sending.
    return new InvalidRequestError(`${context.operation}: the NATS client refused it (${invalid.message}); make the record smaller or raise max_payload`, {
      cause: error,
    });
  }
  return error;
}

/** The first error of class `kind` in the `cause` chain of `error`, itself included. */
export function findCause<T extends Error>(error: unknown, kind: abstract new (...args: never[]) => T): T | undefined {
  const seen = new Set<unknown>();
  let current = error;
  while (current instanceof Error && !seen.has(current)) {
    if (current instanceof kind) return current;
    seen.add(current);
    current = current.cause;
  }
  return undefined;
}
