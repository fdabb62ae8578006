import { createInbox } from "@nats-io/transport-node";
import type { RawNats } from "./raw-nats.js";

/** A stream as JetStream's snapshot API gives it (what `nats stream backup` saves): its configuration and state, and its files in chunks. */
export interface StreamBackup {
  readonly config: unknown;
  readonly state: unknown;
  readonly chunks: readonly Uint8Array[];
}

const timeout = 5_000;

/** Takes a backup of `stream` with the server's snapshot API (`$JS.API.STREAM.SNAPSHOT`), consumers left out. */
export async function backupStream(raw: RawNats, stream: string): Promise<StreamBackup> {
  const { connection } = raw;
  const deliver = createInbox();
  const chunks: Uint8Array[] = [];
  let ended: () => void = () => {};
  const end = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const subscription = connection.subscribe(deliver, {
    callback: (_error, message) => {
      // An empty message ends the snapshot; every chunk asks for an acknowledgement (flow control).
      if (message.data.length === 0) {
        ended();
        return;
      }
      chunks.push(message.data.slice());
      if (message.reply !== undefined && message.reply !== "") message.respond();
    },
  });
  try {
    await connection.flush();
    const answer = (
      await connection.request(`$JS.API.STREAM.SNAPSHOT.${stream}`, JSON.stringify({ deliver_subject: deliver, no_consumers: true }), { timeout })
    ).json<{
      config: unknown;
      state: unknown;
      error?: { description: string };
    }>();
    if (answer.error !== undefined) throw new Error(`snapshot of ${stream}: ${answer.error.description}`);
    await end;
    return { config: answer.config, state: answer.state, chunks };
  } finally {
    subscription.unsubscribe();
  }
}

/**
 * Restores `backup` as `stream` (which must not exist) with the server's
 * restore API (`$JS.API.STREAM.RESTORE`), as `nats stream restore` does:
 * the stream comes back as it was, its creation time included.
 */
export async function restoreStream(raw: RawNats, stream: string, backup: StreamBackup): Promise<void> {
  const { connection } = raw;
  const started = (
    await connection.request(`$JS.API.STREAM.RESTORE.${stream}`, JSON.stringify({ config: backup.config, state: backup.state }), { timeout })
  ).json<{
    deliver_subject?: string;
    error?: { description: string };
  }>();
  if (started.error !== undefined || started.deliver_subject === undefined)
    throw new Error(`restore of ${stream}: ${started.error?.description ?? "no deliver subject"}`);
  for (const chunk of backup.chunks) await connection.request(started.deliver_subject, chunk, { timeout });
  const done = (await connection.request(started.deliver_subject, new Uint8Array(0), { timeout })).json<{ error?: { description: string } }>();
  if (done.error !== undefined) throw new Error(`restore of ${stream}: ${done.error.description}`);
}
