import type { Protocol } from "@twostep/core";
import type { RegisterEntry } from "../control-plane/control-plane.js";
import type { EntryKey } from "../control-plane/entry-key.js";
import type { BuildRecord, CapabilitySupport } from "../records/build-record.js";
import type { MemberRecord } from "../records/member-record.js";
import { RECORD_FORMAT_CAPABILITY, type RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";

/** The build record of a node: what it reads and writes of each message type and feature, the record formats it reads, and what it takes part in. */
export function buildRecordOf(
  protocol: Protocol,
  features: Readonly<Record<string, CapabilitySupport>> | undefined,
  uses: readonly string[] | undefined,
  formats: RecordFormats<TwostepRecords>,
): BuildRecord {
  const capabilities: Record<string, CapabilitySupport> = { ...features };
  for (const type of protocol.types) capabilities[type.name] = { reads: type.reads, writes: type.writes };
  capabilities[RECORD_FORMAT_CAPABILITY] = { reads: { min: 1, max: formats.newest } };
  return { capabilities, uses: uses === undefined ? null : [...uses] };
}

/** The key of an incarnation's member record. */
export function memberKey(member: Pick<MemberRecord, "nodeId" | "incarnation">): EntryKey {
  return { kind: "member", nodeId: member.nodeId, incarnation: member.incarnation };
}

/** What registering (again) appends: the build record, once per build, and the incarnation's member record. */
export function registration(formats: RecordFormats<TwostepRecords>, build: BuildRecord, member: MemberRecord): RegisterEntry[] {
  return [
    { key: { kind: "build", buildId: member.buildId }, value: formats.encode("build", build, 1), ifAbsent: true },
    { key: memberKey(member), value: formats.encode("member", member, 1) },
  ];
}
