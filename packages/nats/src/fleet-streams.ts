import { JetStreamApiError, type JetStreamManager, type StreamConfig, StorageType } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { ControlPlaneMisconfiguredError } from "@twostep/fleet/control-plane";
import type { Logger } from "pino";
import type { NatsLayout } from "./nats-layout.js";
import { findCause } from "./translate-nats-error.js";

/** What {@link openStreams} makes or binds to. */
export interface StreamSetup {
  /** Create missing streams (release-manager credentials), or only bind to existing ones. */
  readonly create: boolean;
  readonly replicas: number;
  /** The heartbeat TTL for a stream created here. */
  readonly beatTtlMs: number;
}

/** What {@link openStreams} found. */
export interface OpenedStreams {
  /** The heartbeat TTL in force: the heartbeat stream's own max age. */
  readonly beatTtlMs: number;
  /** Replicas of each stream, by name, as its configuration says. */
  readonly replicas: ReadonlyMap<string, number>;
}

/** A stream's configuration as twostep creates it. */
export type StreamDefinition = Partial<StreamConfig> & { readonly name: string };

/** "Stream name already in use with a different configuration": someone else created it meanwhile. */
const STREAM_NAME_IN_USE = 10058;

/** The log: full history, no expiry, no deletes or rollups, the records republished (see docs/nats.md, "Layout"). */
export function fleetStreamConfig(layout: NatsLayout, replicas: number): StreamDefinition {
  return {
    name: layout.fleetStream,
    subjects: [layout.fleetSubjects],
    storage: StorageType.File,
    num_replicas: replicas,
    max_msgs_per_subject: -1,
    max_age: 0,
    allow_rollup_hdrs: false,
    deny_delete: true,
    deny_purge: false,
    allow_direct: false,
    duplicate_window: nanos(120_000),
    republish: { src: layout.recordValues, dest: layout.followSubjects },
  };
}

/** The heartbeats: one message per subject that expires after the TTL, no deletes or rollups. */
export function beatsStreamConfig(layout: NatsLayout, replicas: number, ttlMs: number): StreamDefinition {
  return {
    name: layout.beatsStream,
    subjects: [layout.beatsSubjects],
    storage: StorageType.File,
    num_replicas: replicas,
    max_msgs_per_subject: 1,
    max_age: nanos(ttlMs),
    allow_rollup_hdrs: false,
    deny_delete: true,
    deny_purge: false,
    allow_direct: false,
    duplicate_window: nanos(Math.min(ttlMs, 120_000)),
  };
}

/**
 * Creates the two streams when missing (with `create`), or binds to them,
 * and checks their configuration either way: a stream that lets messages be
 * deleted or rolled up, loses history, or does not republish the records is
 * refused with a `ControlPlaneMisconfiguredError` naming the fix.
 */
export async function openStreams(jsm: JetStreamManager, layout: NatsLayout, setup: StreamSetup, logger: Logger): Promise<OpenedStreams> {
  const [fleet, beats] = await Promise.all([
    ensure(jsm, fleetStreamConfig(layout, setup.replicas), setup.create),
    ensure(jsm, beatsStreamConfig(layout, setup.replicas, setup.beatTtlMs), setup.create),
  ]);
  const problems = [...fleetProblems(layout, fleet), ...beatsProblems(layout, beats)];
  if (problems.length > 0) {
    throw new ControlPlaneMisconfiguredError(
      `the control plane's streams under prefix "${layout.prefix}" are not set up as twostep needs:\n${problems.map((problem) => `  - ${problem}`).join("\n")}\n` +
        'Fix them with `nats stream edit` (see docs/nats.md, "Layout") or create them anew, then connect again',
    );
  }
  const beatTtlMs = Math.round(beats.max_age / 1e6);
  if (beatTtlMs !== setup.beatTtlMs) {
    logger.info({ stream: layout.beatsStream, inForce: beatTtlMs, asked: setup.beatTtlMs }, "the heartbeat stream exists with another TTL; using the stream's");
  }
  return {
    beatTtlMs,
    replicas: new Map([
      [fleet.name, fleet.num_replicas],
      [beats.name, beats.num_replicas],
    ]),
  };
}

async function ensure(jsm: JetStreamManager, config: StreamDefinition, create: boolean): Promise<StreamConfig> {
  const name = config.name;
  if (!create) return (await jsm.streams.info(name)).config;
  try {
    return (await jsm.streams.add(config)).config;
  } catch (error) {
    // Created meanwhile, or before with another configuration: check what is there.
    if (findCause(error, JetStreamApiError)?.code !== STREAM_NAME_IN_USE) throw error;
    return (await jsm.streams.info(name)).config;
  }
}

function fleetProblems(layout: NatsLayout, config: StreamConfig): string[] {
  const name = layout.fleetStream;
  const problems = commonProblems(name, config);
  if (!config.subjects.includes(layout.fleetSubjects)) problems.push(`${name} does not take the subjects ${layout.fleetSubjects}`);
  const keepsAll = [config.max_msgs_per_subject, config.max_msgs, config.max_bytes].every((limit) => limit <= 0) && config.max_age === 0;
  if (!keepsAll) problems.push(`${name} drops messages by a limit (max age, messages, bytes or per subject): its history is the audit log, remove the limits`);
  const republish = config.republish;
  if (republish?.src !== layout.recordValues || republish.dest !== layout.followSubjects || republish.headers_only === true) {
    problems.push(`${name} does not republish ${layout.recordValues} to ${layout.followSubjects} (followers would miss changes): set that republish`);
  }
  return problems;
}

function beatsProblems(layout: NatsLayout, config: StreamConfig): string[] {
  const name = layout.beatsStream;
  const problems = commonProblems(name, config);
  if (!config.subjects.includes(layout.beatsSubjects)) problems.push(`${name} does not take the subjects ${layout.beatsSubjects}`);
  if (!(config.max_age > 0)) problems.push(`${name} has no max age: heartbeats would never expire; give it the heartbeat TTL`);
  if (config.max_msgs_per_subject !== 1) {
    problems.push(
      `${name} keeps ${config.max_msgs_per_subject > 1 ? `${config.max_msgs_per_subject} messages` : "every message"} per subject, not one: an older heartbeat could be read for the last; set max_msgs_per_subject 1`,
    );
  }
  if (config.max_msgs > 0 || config.max_bytes > 0) {
    problems.push(`${name} drops messages by a limit of messages or bytes: a heartbeat could go before its TTL, while its node writes; remove the limits`);
  }
  return problems;
}

function commonProblems(name: string, config: StreamConfig): string[] {
  const problems: string[] = [];
  if (config.allow_rollup_hdrs) problems.push(`${name} allows rollups (one message could erase a subject's history): set allow_rollup_hdrs false`);
  if (!config.deny_delete) problems.push(`${name} allows message deletes (a record could vanish unseen): set deny_delete`);
  if (config.storage !== StorageType.File) problems.push(`${name} is kept in memory (a restart loses it): recreate it with file storage`);
  return problems;
}
