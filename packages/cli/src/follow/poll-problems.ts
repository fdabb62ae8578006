/**
 * Which failed polls to report: each distinct problem once, however often
 * it repeats, and the first poll that succeeds after one (to say the
 * control plane is back).
 */
export class PollProblems {
  #current: string | undefined;

  /** A poll failed with `message`: true when it is to be reported (it is not the problem reported last). */
  failed(message: string): boolean {
    if (message === this.#current) return false;
    this.#current = message;
    return true;
  }

  /** A poll succeeded: true when it ends a problem. */
  succeeded(): boolean {
    const recovered = this.#current !== undefined;
    this.#current = undefined;
    return recovered;
  }
}

/** True when two polled values (a status or its snapshot) differ in anything but their time `at`. */
export function changedButTime<T extends { readonly at: number }>(previous: T | undefined, next: T): boolean {
  return previous === undefined || timelessKey(previous) !== timelessKey(next);
}

/** What a polled value is compared by: everything but its time. */
export function timelessKey(value: { readonly at: number }): string {
  return JSON.stringify({ ...value, at: 0 });
}
