import { TwostepError } from "@twostep/core";

/** Stable codes of the errors raised by {@link startNatsServer}. */
export const NatsServerErrorCode = {
  /** The `nats-server` binary is not installed or not on the PATH. */
  Missing: "NATS_SERVER_MISSING",
  /** The server exited, or did not answer, before it was ready. */
  NotReady: "NATS_SERVER_NOT_READY",
} as const;

/** One of the codes in {@link NatsServerErrorCode}. */
export type NatsServerErrorCode = (typeof NatsServerErrorCode)[keyof typeof NatsServerErrorCode];

/** A test server could not be started; the message says why and what to do. */
export class NatsServerError extends TwostepError {
  constructor(code: NatsServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
