/**
 * Wraps `read` so that the calls made while one read is under way share it.
 * prom-client collects every metric of a registry at once (one
 * `Promise.all` per scrape), so the gauges of one scrape share a single
 * read, and the next scrape reads afresh: a scrape costs one status read,
 * however many gauges it fills.
 */
export function sharedRead<T>(read: () => T | Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined;
  return () => {
    if (current === undefined) {
      const started = Promise.resolve().then(read);
      current = started;
      started
        .finally(() => {
          if (current === started) current = undefined;
        })
        .catch(() => {});
    }
    return current;
  };
}
