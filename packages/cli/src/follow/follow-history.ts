import type { AuditEntry, Coordinator, Subscription } from "@twostep/fleet";

/** Options of {@link followHistory}. */
export interface FollowHistoryOptions {
  /** Only this capability's entries (and those of no capability, such as node decommissions). */
  readonly capability?: string;
  /** How many of the recent entries to give. */
  readonly limit: number;
}

/** What {@link followHistory} gives: the recent entries, oldest first, and the subscription to stop. */
export interface FollowedHistory {
  readonly recent: readonly AuditEntry[];
  readonly subscription: Subscription;
}

/**
 * Reads the recent history and follows it as it grows. Subscribes before
 * reading, so that no entry recorded between the two is missed; an entry
 * seen twice is given once. Entries recorded while the recent ones are read
 * are among `recent`; `onEntry` is called with every later one.
 */
export async function followHistory(coordinator: Coordinator, options: FollowHistoryOptions, onEntry: (entry: AuditEntry) => void): Promise<FollowedHistory> {
  const { capability, limit } = options;
  const concerns = (entry: AuditEntry) => capability === undefined || entry.capability === null || entry.capability === capability;
  const seen = new Set<number>();
  const early: AuditEntry[] = [];
  let loaded = false;
  const subscription = await coordinator.watch((entry) => {
    if (!concerns(entry)) return;
    if (!loaded) early.push(entry);
    else if (!seen.has(entry.revision)) {
      seen.add(entry.revision);
      onEntry(entry);
    }
  });
  try {
    const read = await coordinator.history({ ...(capability === undefined ? {} : { capability }), limit });
    const recent = [...read, ...early]
      .filter((entry) => !seen.has(entry.revision) && seen.add(entry.revision))
      .sort((a, b) => a.revision - b.revision)
      .slice(-limit);
    loaded = true;
    return { recent, subscription };
  } catch (error) {
    await subscription.stop().catch(() => {});
    throw error;
  }
}
