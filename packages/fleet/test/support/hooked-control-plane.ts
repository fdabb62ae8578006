import type { AppendOptions, BeatKey, ControlPlane, EntryKey, FollowHandlers, FollowOptions, Scope, StoredEntry } from "@twostep/fleet/control-plane";

/** Holds back what a follower is told until released: a node that lags behind the records. */
export class FollowGate {
  #held = false;
  readonly #waiting: (() => void)[] = [];

  /** From now on, entries wait. */
  hold(): void {
    this.#held = true;
  }

  /** Delivers what waited, in order, and lets the rest through. */
  release(): void {
    this.#held = false;
    for (const deliver of this.#waiting.splice(0)) deliver();
  }

  /** Passes `deliver` on now, or later when held. */
  pass(deliver: () => void): void {
    if (this.#held) this.#waiting.push(deliver);
    else deliver();
  }
}

/** What a {@link hookedControlPlane} lets a test do at the moments that matter. */
export interface Hooks {
  /** Runs before every call (by method name); may throw (a node cut off from the control plane). */
  beforeCall?: (method: string) => void;
  /** Runs before an append is stored; may start other work (a node booting mid-change) or throw (a coordinator dying). */
  beforeAppend?: (key: EntryKey, value: Uint8Array, options: AppendOptions) => Promise<void> | void;
  /** Runs before a read; may throw (a coordinator dying between its steps). */
  beforeRead?: (scope: Scope, atLeast: number) => Promise<void> | void;
  /** Runs after a registration was stored, before its records are returned; may throw (the read after the appends failed). */
  afterRegister?: () => void;
  /** Runs before the heartbeats are read; may start other work (a node joining while a coordinator reads the fleet). */
  beforeReadBeats?: () => Promise<void> | void;
  /** Runs before a heartbeat is stored; may throw (a node cut off from the control plane). */
  beforeBeat?: (key: BeatKey) => Promise<void> | void;
  /** Runs before a node id is marked as holding records the store lost; may wait (a mark held back) or throw. */
  beforeMark?: (nodeId: string) => Promise<void> | void;
  /** Runs after a key was read and before it is answered; may wait (an answer late, stale by then). */
  afterGet?: (key: EntryKey) => Promise<void> | void;
  /** Holds back entries and snapshots given to followers while held. */
  followGate?: FollowGate;
}

/**
 * A control plane whose calls first run the test's hooks: the way tests
 * put another process's step exactly between two steps of a change, or
 * cut one node off while the rest of the fleet goes on.
 */
export function hookedControlPlane(inner: ControlPlane, hooks: Hooks): ControlPlane {
  return new Proxy(inner, {
    get(target, property) {
      // Read on the plane itself: a getter of a class with private fields works on its own instances only.
      const value = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      const method = String(property);
      const before = (): void => {
        if (method !== "close") hooks.beforeCall?.(method);
      };
      if (property === "append") {
        return async (key: EntryKey, bytes: Uint8Array, options: AppendOptions = {}) => {
          before();
          await hooks.beforeAppend?.(key, bytes, options);
          return target.append(key, bytes, options);
        };
      }
      if (property === "read") {
        return async (scope: Scope, options: { atLeast?: number } = {}) => {
          before();
          await hooks.beforeRead?.(scope, options.atLeast ?? 0);
          return target.read(scope, options);
        };
      }
      if (property === "register") {
        return async (entries: Parameters<ControlPlane["register"]>[0]) => {
          before();
          const snapshot = await target.register(entries);
          hooks.afterRegister?.();
          return snapshot;
        };
      }
      if (property === "readBeats") {
        return async () => {
          before();
          await hooks.beforeReadBeats?.();
          return target.readBeats();
        };
      }
      if (property === "beat") {
        return async (key: BeatKey, bytes: Uint8Array, options: { expect: number; tombstone?: boolean }) => {
          before();
          await hooks.beforeBeat?.(key);
          return target.beat(key, bytes, options);
        };
      }
      if (property === "markRegression") {
        return async (nodeId: string) => {
          before();
          await hooks.beforeMark?.(nodeId);
          return target.markRegression(nodeId);
        };
      }
      if (property === "get") {
        return async (key: EntryKey) => {
          before();
          const entry = await target.get(key);
          await hooks.afterGet?.(key);
          return entry;
        };
      }
      if (property === "follow" && hooks.followGate !== undefined) {
        const gate = hooks.followGate;
        return async (handlers: FollowHandlers, options?: FollowOptions) => {
          before();
          return target.follow(
            {
              onSnapshot: (snapshot) => gate.pass(() => handlers.onSnapshot(snapshot)),
              onEntry: (entry: StoredEntry) => gate.pass(() => handlers.onEntry(entry)),
            },
            options,
          );
        };
      }
      return async (...args: unknown[]) => {
        before();
        return value.apply(target, args);
      };
    },
  });
}

/** True when `bytes` are a write-level record carrying an intent. */
export function isIntent(key: EntryKey, bytes: Uint8Array): boolean {
  if (key.kind !== "level") return false;
  const text = new TextDecoder().decode(bytes);
  return text.includes('"intent":{');
}
