import type { EntryKey, Snapshot, StoredEntry } from "@twostep/fleet/control-plane";
import { emptyRecord, type HeldRecord, HeldRecords, twostepRecordFormats as formats } from "@twostep/fleet/internal";
import fc from "fast-check";
import { expect, test } from "vitest";

// A node works out its write plans, and whether a record fences it, only for the capabilities that
// HeldRecords says changed: every held record that changes must be among them, whatever arrives.

const note = { id: "n", action: "enable-write", actor: "t", reason: "", request: "", at: 0, revisionBefore: 0, blockers: [], blockerCount: 0 };
const CAPABILITIES = ["a", "b", "twostep.records"] as const;
const text = new TextEncoder();

/** What reaches a node's held records: records, tombstones, bytes it cannot read, identities of the plane, a late older entry, snapshots. */
const stepArbitrary = fc.record({
  kind: fc.constantFrom("level", "level", "tombstone", "unreadable", "meta", "unreadable meta", "late", "snapshot"),
  capability: fc.constantFrom(...CAPABILITIES),
  level: fc.integer({ min: 1, max: 3 }),
  epoch: fc.integer({ min: 1, max: 3 }),
  /** For a snapshot: which keys it holds, and whether it is as far as the store or behind it. */
  keep: fc.array(fc.boolean(), { minLength: CAPABILITIES.length + 1, maxLength: CAPABILITIES.length + 1 }),
  behind: fc.boolean(),
});

function levelBytes(capability: string, epoch: number, level: number): Uint8Array {
  return formats.encode("level", { ...emptyRecord(capability, epoch, note), level, everWritten: [...new Set([1, level])].sort() }, 1);
}

function metaBytes(epoch: number): Uint8Array {
  return formats.encode("meta", { planeId: "p", epoch, createdAt: 0, change: note }, 1);
}

test("every held record that a record, a tombstone, a snapshot or a new epoch changes is among the capabilities said to have changed", () => {
  fc.assert(
    fc.property(fc.array(stepArbitrary, { maxLength: 40 }), (steps) => {
      const held = new HeldRecords(formats);
      const stored = new Map<string, StoredEntry>();
      let revision = 0;
      const store = (key: EntryKey, value: Uint8Array, tombstone = false): StoredEntry => {
        const entry: StoredEntry = { key, value, tombstone, revision: ++revision, at: 0 };
        stored.set(key.kind === "level" ? key.capability : key.kind, entry);
        return entry;
      };
      const judge = (take: () => Set<string>): void => {
        const before = new Map<string, HeldRecord | undefined>(CAPABILITIES.map((capability) => [capability, held.get(capability)]));
        const changed = take();
        for (const capability of CAPABILITIES) if (held.get(capability) !== before.get(capability)) expect(changed).toContain(capability);
      };
      judge(() => held.applyEntry(store({ kind: "meta" }, metaBytes(1))));
      for (const step of steps) {
        const key: EntryKey = { kind: "level", capability: step.capability };
        if (step.kind === "snapshot") {
          const entries = [...stored.values()].filter((_, index) => step.keep[index] !== false).sort((a, b) => a.revision - b.revision);
          const snapshot: Snapshot = { entries, position: step.behind ? Math.max(0, revision - 2) : revision };
          judge(() => held.applySnapshot(snapshot));
          continue;
        }
        const entry =
          step.kind === "level"
            ? store(key, levelBytes(step.capability, step.epoch, step.level))
            : step.kind === "tombstone"
              ? store(key, new Uint8Array(), true)
              : step.kind === "unreadable"
                ? store(key, text.encode("{"))
                : step.kind === "meta"
                  ? store({ kind: "meta" }, metaBytes(step.epoch))
                  : step.kind === "unreadable meta"
                    ? store({ kind: "meta" }, text.encode("[]"))
                    : { key, value: levelBytes(step.capability, step.epoch, step.level), tombstone: false, revision: Math.max(1, revision - 3), at: 0 };
        judge(() => held.applyEntry(entry));
      }
    }),
    { numRuns: 2_000 },
  );
});
