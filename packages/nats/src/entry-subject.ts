import type { BeatKey, EntryKey } from "@twostep/fleet/control-plane";
import { decodeKey, encodeKey } from "./key-codec.js";
import { MARK_TOKEN, type NatsLayout } from "./nats-layout.js";

/** What a subject of the log stands for: an entry's key, the join marker, or nothing twostep writes. */
export type SubjectMeaning =
  | { readonly kind: "entry"; readonly key: EntryKey }
  | { readonly kind: "join" }
  | { readonly kind: "malformed"; readonly problem: string };

/** The token of a refusal of no capability: `_` alone is never an encoded name (encodeKey escapes `_`). */
const NO_CAPABILITY = "_";

/**
 * The subject of `key` in the log (see docs/nats.md, "Layout"): names are
 * encoded with {@link encodeKey}, one token each, so permissions can name a
 * node's own subjects exactly. Throws `InvalidRequestError` for a name that
 * cannot be a key.
 */
export function entrySubject(layout: NatsLayout, key: EntryKey): string {
  const base = `${layout.prefix}.fleet`;
  switch (key.kind) {
    case "meta":
      return `${base}.r.s.meta`;
    case "level":
      return `${base}.r.s.l.${encodeKey(key.capability)}`;
    case "member":
      return `${base}.m.${encodeKey(key.nodeId)}.${encodeKey(key.incarnation)}`;
    case "build":
      return `${base}.b.${encodeKey(key.buildId)}`;
    case "refusal":
      return `${base}.a.r.${key.capability === null ? NO_CAPABILITY : encodeKey(key.capability)}`;
    case "decommission":
      return `${base}.a.d.${encodeKey(key.nodeId)}.${encodeKey(key.incarnation)}`;
    case "rollout":
      return `${base}.c.o.${encodeKey(key.capability)}`;
    case "request":
      return `${base}.c.q.${encodeKey(key.capability)}.${encodeKey(key.id)}`;
    case "controller":
      return `${base}.c.l`;
  }
}

/** What begins the subject of a member (after `<prefix>.fleet.`). */
const MEMBER = "m.";

/** The key a subject of the log stands for; anything that {@link entrySubject} cannot have written is `malformed`. */
export function parseEntrySubject(layout: NatsLayout, subject: string): SubjectMeaning {
  const base = `${layout.prefix}.fleet.`;
  if (!subject.startsWith(base)) return malformed("it is outside the log's subjects");
  // Members, most of a log by far, are read without splitting their subject.
  if (subject.startsWith(MEMBER, base.length)) {
    const names = namePair(subject, base.length + MEMBER.length);
    return names === undefined ? malformed(NOT_OURS) : entry({ kind: "member", nodeId: names.nodeId, incarnation: names.incarnation });
  }
  const tokens = subject.slice(base.length).split(".");
  const names = (from: number): (string | undefined)[] => tokens.slice(from).map(decodeKey);
  const [area, kind] = tokens;
  if (area === "r" && kind === "j" && tokens.length === 2) return { kind: "join" };
  if (area === "r" && kind === "s" && tokens.length === 3 && tokens[2] === "meta") return entry({ kind: "meta" });
  if (area === "r" && kind === "s" && tokens[2] === "l" && tokens.length === 4) {
    const [capability] = names(3);
    if (capability !== undefined) return entry({ kind: "level", capability });
  }
  if (area === "b" && tokens.length === 2) {
    const [buildId] = names(1);
    if (buildId !== undefined) return entry({ kind: "build", buildId });
  }
  if (area === "a" && kind === "r" && tokens.length === 3) {
    if (tokens[2] === NO_CAPABILITY) return entry({ kind: "refusal", capability: null });
    const [capability] = names(2);
    if (capability !== undefined) return entry({ kind: "refusal", capability });
  }
  if (area === "a" && kind === "d" && tokens.length === 4) {
    const [nodeId, incarnation] = names(2);
    if (nodeId !== undefined && incarnation !== undefined) return entry({ kind: "decommission", nodeId, incarnation });
  }
  if (area === "c" && kind === "l" && tokens.length === 2) return entry({ kind: "controller" });
  if (area === "c" && kind === "o" && tokens.length === 3) {
    const [capability] = names(2);
    if (capability !== undefined) return entry({ kind: "rollout", capability });
  }
  if (area === "c" && kind === "q" && tokens.length === 4) {
    const [capability, id] = names(2);
    if (capability !== undefined && id !== undefined) return entry({ kind: "request", capability, id });
  }
  return malformed(NOT_OURS);
}

/** Why a subject under twostep's own is none it writes. */
const NOT_OURS = "it is no subject twostep writes (written by something else?)";

/** The node id and incarnation that the last two tokens of `subject`, from `from` on, encode, or undefined when they are not exactly two such tokens. */
function namePair(subject: string, from: number): BeatKey | undefined {
  const dot = subject.indexOf(".", from);
  if (dot === -1 || subject.indexOf(".", dot + 1) !== -1) return undefined;
  const nodeId = decodeKey(subject.slice(from, dot));
  const incarnation = decodeKey(subject.slice(dot + 1));
  return nodeId === undefined || incarnation === undefined ? undefined : { nodeId, incarnation };
}

/** The filters whose entries make up the history: every one, or those of one capability (its level record, refusals, plan and requests). */
export function historyFilters(layout: NatsLayout, capability?: string): string[] {
  if (capability === undefined) return [layout.recordValues, layout.auditFilter, layout.rolloutFilter, layout.requestFilter];
  const encoded = encodeKey(capability);
  return [
    entrySubject(layout, { kind: "level", capability }),
    entrySubject(layout, { kind: "refusal", capability }),
    entrySubject(layout, { kind: "rollout", capability }),
    `${layout.prefix}.fleet.c.q.${encoded}.>`,
  ];
}

/** The subject of an incarnation's heartbeat: `$KV.<prefix>_beats.<node>.<incarnation>`. */
export function beatSubject(layout: NatsLayout, key: BeatKey): string {
  return `$KV.${layout.beatsBucket}.${encodeKey(key.nodeId)}.${encodeKey(key.incarnation)}`;
}

/** The subject that marks a node id as holding records the store lost: `$KV.<prefix>_beats.<node>._regressed`. */
export function markSubject(layout: NatsLayout, nodeId: string): string {
  return `$KV.${layout.beatsBucket}.${encodeKey(nodeId)}.${MARK_TOKEN}`;
}

/** The subjects of every heartbeat of `nodeId` (and its mark): `$KV.<prefix>_beats.<node>.*`. */
export function beatSubjectsOf(layout: NatsLayout, nodeId: string): string {
  return `$KV.${layout.beatsBucket}.${encodeKey(nodeId)}.*`;
}

/** What a subject of the heartbeat bucket stands for: a heartbeat's key, a node id's mark, nothing (the clock), or a problem. */
export function parseBeatSubject(layout: NatsLayout, subject: string): BeatKey | { readonly markOf: string } | { readonly problem: string } | undefined {
  if (subject === layout.clockSubject) return undefined;
  const base = `$KV.${layout.beatsBucket}.`;
  if (subject.startsWith(base) && subject.endsWith(`.${MARK_TOKEN}`)) {
    const nodeId = decodeKey(subject.slice(base.length, -MARK_TOKEN.length - 1));
    if (nodeId !== undefined) return { markOf: nodeId };
  }
  return (
    (subject.startsWith(base) ? namePair(subject, base.length) : undefined) ?? {
      problem: "it is no heartbeat subject twostep writes (written by something else?)",
    }
  );
}

function entry(key: EntryKey): SubjectMeaning {
  return { kind: "entry", key };
}

function malformed(problem: string): SubjectMeaning {
  return { kind: "malformed", problem };
}
