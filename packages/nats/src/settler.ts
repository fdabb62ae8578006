import { TimeoutError } from "@nats-io/transport-node";

/** A promise settled once, from outside, with an idle timer that rejects it unless restarted in time. */
export class Settler {
  readonly done: Promise<void>;
  #resolve: () => void = () => {};
  #reject: (error: unknown) => void = () => {};
  #timer: NodeJS.Timeout | undefined;
  #settled = false;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Rejections nobody awaits yet must not count as unhandled.
    this.done.catch(() => {});
  }

  /** Resolves, or rejects with `error`; later calls do nothing. */
  settle(error?: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    if (error === undefined) this.#resolve();
    else this.#reject(error);
  }

  /** (Re)starts the timer that rejects with a `TimeoutError` after `ms`. */
  idleTimeout(ms: number): void {
    if (this.#settled) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.settle(new TimeoutError()), ms);
  }
}
