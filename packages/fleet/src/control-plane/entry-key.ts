/**
 * The key of an entry in a control plane's log. Keys are data, not strings,
 * so that each backend can spell them its own way (NATS subjects, map keys)
 * and no name needs escaping here.
 */
export type EntryKey =
  /** The control plane's identity and epoch (one per control plane). */
  | { readonly kind: "meta" }
  /** The write-level record of one capability. */
  | { readonly kind: "level"; readonly capability: string }
  /** One incarnation (process start) of a node. */
  | { readonly kind: "member"; readonly nodeId: string; readonly incarnation: string }
  /** What one build reads and writes, stored once per build under its content hash. */
  | { readonly kind: "build"; readonly buildId: string }
  /** The last refused change of a capability (null: of no capability), kept for the history. */
  | { readonly kind: "refusal"; readonly capability: string | null }
  /** The removal of one incarnation by a release manager: the commit point and the audit entry in one. */
  | { readonly kind: "decommission"; readonly nodeId: string; readonly incarnation: string }
  /** The rollout plan of one capability and where it stands, advanced by the rollout controller. */
  | { readonly kind: "rollout"; readonly capability: string }
  /** A change request submitted for the rollout controller to check and apply, then its outcome. */
  | { readonly kind: "request"; readonly capability: string; readonly id: string }
  /** The lease of the rollout controller that acts (one at a time). */
  | { readonly kind: "controller" };

/** The key of one incarnation's heartbeat, kept apart from the log (it expires). */
export interface BeatKey {
  readonly nodeId: string;
  readonly incarnation: string;
}

/** Which keys a read covers. */
export type Scope =
  /** What every node follows: `meta` and every `level`. */
  | "records"
  /** What the rollout controller works on: rollout plans, change requests and its own lease. */
  | "control"
  /** Everything in the log: records, members, builds, refusals, decommissions, and the control scope. */
  | "fleet";

/** The kinds of key in each scope but `fleet`. */
const SCOPE_KINDS: Readonly<Record<Exclude<Scope, "fleet">, ReadonlySet<EntryKey["kind"]>>> = {
  records: new Set(["meta", "level"]),
  control: new Set(["rollout", "request", "controller"]),
};

/** True when `key` belongs to `scope`. */
export function inScope(key: EntryKey, scope: Scope): boolean {
  return scope === "fleet" || SCOPE_KINDS[scope].has(key.kind);
}

/** The kinds of key whose every entry is an audit entry. */
const HISTORY_KINDS: ReadonlySet<EntryKey["kind"]> = new Set(["meta", "level", "refusal", "decommission", "rollout", "request"]);

/** True when entries of `key` belong to the history (every revision of them is an audit entry). */
export function inHistory(key: EntryKey): boolean {
  return HISTORY_KINDS.has(key.kind);
}

/** The capability an entry of `key` concerns, or null. */
export function capabilityOf(key: EntryKey): string | null {
  return key.kind === "level" || key.kind === "refusal" || key.kind === "rollout" || key.kind === "request" ? key.capability : null;
}

/** One spelling per key, for maps and messages: `level orders.OrderPlaced`, `member shop-1@3f2a`. */
export function keyText(key: EntryKey): string {
  switch (key.kind) {
    case "meta":
      return "meta";
    case "level":
      return `level ${key.capability}`;
    case "member":
      return `member ${key.nodeId}@${key.incarnation}`;
    case "build":
      return `build ${key.buildId}`;
    case "refusal":
      return `refusal ${key.capability ?? "-"}`;
    case "decommission":
      return `decommission ${key.nodeId}@${key.incarnation}`;
    case "rollout":
      return `rollout ${key.capability}`;
    case "request":
      return `request ${key.capability} ${key.id}`;
    case "controller":
      return "controller";
  }
}

/** A string that names `key` and no other, for maps. */
export function keyId(key: EntryKey): string {
  switch (key.kind) {
    case "meta":
      return "meta";
    case "level":
      return JSON.stringify(["level", key.capability]);
    case "member":
      return JSON.stringify(["member", key.nodeId, key.incarnation]);
    case "build":
      return JSON.stringify(["build", key.buildId]);
    case "refusal":
      return JSON.stringify(["refusal", key.capability]);
    case "decommission":
      return JSON.stringify(["decommission", key.nodeId, key.incarnation]);
    case "rollout":
      return JSON.stringify(["rollout", key.capability]);
    case "request":
      return JSON.stringify(["request", key.capability, key.id]);
    case "controller":
      return "controller";
  }
}
