import type { EntryKey, Snapshot, StoredEntry } from "@twostep/fleet/control-plane";
import { committedLevels } from "@twostep/fleet";
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
  /** For an identity: whose (another control plane when "q"), and whether a reconcile wrote it. */
  plane: fc.constantFrom("p", "p", "q"),
  reconcile: fc.boolean(),
});

function levelBytes(capability: string, epoch: number, level: number): Uint8Array {
  return formats.encode("level", { ...emptyRecord(capability, epoch, note), level, everWritten: [...new Set([1, level])].sort() }, 1);
}

function metaBytes(epoch: number, planeId = "p", reconcile = false): Uint8Array {
  return formats.encode("meta", { planeId, epoch, createdAt: 0, change: { ...note, action: reconcile ? "reconcile" : "init" } }, 1);
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
                  ? store({ kind: "meta" }, metaBytes(step.epoch, step.plane, step.reconcile))
                  : step.kind === "unreadable meta"
                    ? store({ kind: "meta" }, text.encode("[]"))
                    : { key, value: levelBytes(step.capability, step.epoch, step.level), tombstone: false, revision: Math.max(1, revision - 3), at: 0 };
        judge(() => held.applyEntry(entry));
      }
    }),
    { numRuns: 2_000 },
  );
});

// A reconcile made without a node's records may drop a level they require: the node must not take it,
// or a build that cannot read that level could join while frames of it are still about.
test("a record of a later epoch, or a removal once a later epoch is taken, is taken only if it requires every level the held one did; otherwise the node says the store went backwards", () => {
  fc.assert(
    fc.property(fc.array(stepArbitrary, { maxLength: 40 }), (steps) => {
      const held = new HeldRecords(formats);
      let revision = 0;
      const stored = new Map<string, StoredEntry>();
      const store = (key: EntryKey, value: Uint8Array, tombstone = false): StoredEntry => {
        const entry: StoredEntry = { key, value, tombstone, revision: ++revision, at: 0 };
        stored.set(key.kind === "level" ? key.capability : key.kind, entry);
        return entry;
      };
      /** The revision of the last entry the node was given of each record: what it knows the store holds. */
      const told = new Map<string, number>();
      const tell = (entries: readonly StoredEntry[]): void => {
        for (const entry of entries) if (entry.key.kind === "level") told.set(entry.key.capability, entry.revision);
      };
      /** The control plane each identity entry names, by revision, and the one named last. */
      const planes = new Map<number, string>();
      let named = "p";
      held.applyEntry(store({ kind: "meta" }, metaBytes(1)));
      /** The capabilities whose record held, of an earlier epoch, the last epoch taken did not keep. */
      const unkept = new Set<string>();
      for (const step of steps) {
        const before = new Map(CAPABILITIES.map((capability) => [capability, held.get(capability)] as const));
        const epochBefore = held.plane?.epoch ?? 0;
        // The store names a control plane the node did not take: none of its records up to the node's epoch may be taken.
        const foreign = named !== held.plane?.id;
        const key: EntryKey = { kind: "level", capability: step.capability };
        if (step.kind === "snapshot") {
          const entries = [...stored.values()].filter((_, index) => step.keep[index] !== false).sort((a, b) => a.revision - b.revision);
          told.clear();
          tell(entries);
          named = planes.get(entries.find((entry) => entry.key.kind === "meta")?.revision ?? -1) ?? held.plane?.id ?? "p";
          held.applySnapshot({ entries, position: step.behind ? Math.max(0, revision - 2) : revision });
        } else if (step.kind === "level" || step.kind === "tombstone" || step.kind === "meta") {
          const entry =
            step.kind === "level"
              ? store(key, levelBytes(step.capability, step.epoch, step.level))
              : step.kind === "tombstone"
                ? store(key, new Uint8Array(), true)
                : store({ kind: "meta" }, metaBytes(step.epoch, step.plane, step.reconcile));
          tell([entry]);
          if (step.kind === "meta") {
            named = step.plane;
            planes.set(entry.revision, named);
          }
          held.applyEntry(entry);
          if (foreign && step.kind !== "meta" && step.epoch <= (held.plane?.epoch ?? 0)) expect(held.get(step.capability)).toBe(before.get(step.capability));
        } else continue;
        const epoch = held.plane?.epoch ?? 0;
        for (const [capability, was] of before) {
          const now = held.get(capability);
          if (was === undefined || now === was) continue;
          // Replaced by a later epoch's record (but for a change, in the epoch taken, of a record the store kept from an earlier one), or replaced
          // or removed while the epoch taken did not keep it: every level required stays required.
          const changeOfKept = was.record.epoch < epochBefore && now !== undefined && now.record.epoch <= epochBefore;
          const later = unkept.has(capability) || (now !== undefined && now.record.epoch > was.record.epoch && !changeOfKept);
          if (later) for (const level of committedLevels(was.record)) expect(now === undefined ? [] : committedLevels(now.record)).toContain(level);
          unkept.delete(capability);
        }
        // Records of an earlier epoch than the one taken that the store does not hold (as far as the node was told): the epoch did not keep them.
        const notStored = held.all().filter((record) => record.record.epoch < epoch && told.get(record.record.capability) !== record.revision);
        if (epoch > epochBefore) {
          unkept.clear();
          for (const record of notStored) unkept.add(record.record.capability);
        }
        // The store holds the record again: what follows it is taken as ever.
        for (const capability of [...unkept]) if (told.get(capability) === held.get(capability)?.revision) unkept.delete(capability);
        // While one that requires something is held, the node says so.
        if (notStored.some((record) => committedLevels(record.record).length > 0)) expect(held.regressed).not.toBeNull();
      }
    }),
    { numRuns: 2_000 },
  );
});

test("after a reconcile that did not keep a record held, a record of the earlier epoch written past it (by a coordinator that read the store before the reconcile) is not taken when it drops a level", () => {
  const held = new HeldRecords(formats);
  const entry = (key: EntryKey, value: Uint8Array, revision: number): StoredEntry => ({ key, value, tombstone: false, revision, at: 0 });
  const key: EntryKey = { kind: "level", capability: "a" };
  held.applyEntry(entry({ kind: "meta" }, metaBytes(1), 1));
  held.applyEntry(entry(key, levelBytes("a", 1, 1), 10));
  // Restored to before the record existed, then reconciled without it.
  held.applySnapshot({ entries: [entry({ kind: "meta" }, metaBytes(1), 1)], position: 5 });
  held.applyEntry(entry({ kind: "meta" }, metaBytes(2, "p", true), 6));
  expect(held.regressed).toContain("the reconcile to epoch 2 has no record of a that requires v1");
  const late = formats.encode("level", { ...emptyRecord("a", 1, note), level: 3, everWritten: [3] }, 1);
  held.applyEntry(entry(key, late, 12));
  held.applySnapshot({ entries: [entry({ kind: "meta" }, metaBytes(2, "p", true), 6), entry(key, late, 12)], position: 12 });
  expect([held.regressed, held.get("a")?.revision]).toEqual([expect.stringContaining("that requires v1"), 10]);
});
