import { setTimeout as sleep } from "node:timers/promises";
import type { AuditEntry, FleetStatus } from "@twostep/fleet";
import type { CliContext, LiveView } from "../../cli-context.js";
import type { ConnectionFlags } from "../../connection-flags.js";
import { ExitCode } from "../../exit-code.js";
import { followHistory } from "../../follow/follow-history.js";
import { changedButTime, PollProblems } from "../../follow/poll-problems.js";
import { auditEvent, errorEvent, errorMessage, statusEvent, type WatchEvent } from "../../json/watch-event.js";
import { auditLine } from "../../render/history-view.js";
import { styleFor } from "../../render/style.js";
import { renderWatchFrame, type WatchFrame } from "../../render/watch-frame.js";
import { watchChanges, watchSnapshot, type WatchSnapshot } from "../../render/watch-snapshot.js";
import { withCoordinator } from "../../with-coordinator.js";
import { view, writeLines, writeView } from "../../write-output.js";

/** Options of {@link watch}. */
export interface WatchOptions extends ConnectionFlags {
  /** Follow only this capability (and node decommissions). */
  readonly capability?: string;
  /** Poll the status every this many ms. Defaults to 1000. */
  readonly interval?: number;
  /** Stop after this many seconds; without it, only SIGINT stops. */
  readonly for?: number;
  /** Print a line per change even on a terminal. */
  readonly lines?: boolean;
  /** Print one JSON object per line per change: `status` and `audit` events (docs/cli.md). */
  readonly json?: boolean;
  /** Group the members, and the blockers of each next level, by this label's value. */
  readonly by?: string;
}

/** How the watch shows what it sees. */
interface WatchOutput {
  status(status: FleetStatus): void;
  audit(entry: AuditEntry): void;
  problem(error: unknown): void;
  done(): void;
}

const RECENT = 6;

/**
 * `twostep watch [capability] [--by LABEL]`: a live view of the rollout. Polls the
 * status every `--interval` ms and follows the audit log as it grows. On a
 * terminal it redraws in place; otherwise (or with `--lines`, `--json`) it
 * prints a line whenever something changes. Stops on SIGINT or after
 * `--for` seconds. A failed first poll fails the command; later ones are
 * shown and retried.
 */
export async function watch(options: WatchOptions, context: CliContext): Promise<ExitCode> {
  const interval = options.interval ?? 1000;
  return withCoordinator(options, context, async (coordinator) => {
    const status = () => coordinator.status(options.capability);
    const first = await status();
    const live = context.stdout.isTTY && options.lines !== true && options.json !== true;
    // An entry recorded once the recent ones are read, before there is an output to show it, waits for it.
    const waiting: AuditEntry[] = [];
    let output: WatchOutput | undefined;
    const { recent, subscription } = await followHistory(
      coordinator,
      { ...(options.capability === undefined ? {} : { capability: options.capability }), limit: RECENT },
      (entry) => (output === undefined ? waiting.push(entry) : output.audit(entry)),
    );
    const shown = live ? liveOutput(await context.liveView(), context, first, recent, options.by) : lineOutput(context, options.json === true, options.by);
    output = shown;
    const stop = stopSignal(context.signal, options.for);
    try {
      shown.status(first);
      for (const entry of waiting.splice(0)) shown.audit(entry);
      while (!stop.signal.aborted) {
        await sleep(interval, undefined, { signal: stop.signal }).catch(() => {});
        if (stop.signal.aborted) break;
        await poll(status, shown);
      }
    } finally {
      stop.release();
      await subscription.stop().catch(() => {});
      shown.done();
    }
    return ExitCode.Ok;
  });
}

/**
 * Aborted on SIGINT or after `seconds`. A plain timer rather than
 * `AbortSignal.timeout`/`any`: Node may collect those signals while only a
 * pending timer listens, and then the watch would never stop.
 */
function stopSignal(interrupt: AbortSignal, seconds: number | undefined): { signal: AbortSignal; release: () => void } {
  const stop = new AbortController();
  const abort = () => stop.abort();
  if (interrupt.aborted) abort();
  interrupt.addEventListener("abort", abort, { once: true });
  const timer = seconds === undefined ? undefined : setTimeout(abort, seconds * 1000);
  return {
    signal: stop.signal,
    release: () => {
      clearTimeout(timer);
      interrupt.removeEventListener("abort", abort);
    },
  };
}

async function poll(status: () => Promise<FleetStatus>, output: WatchOutput): Promise<void> {
  try {
    output.status(await status());
  } catch (error) {
    output.problem(error);
  }
}

function liveOutput(live: LiveView, context: CliContext, first: FleetStatus, recent: readonly AuditEntry[], by: string | undefined): WatchOutput {
  const style = styleFor(context.stdout, context.env);
  let frame: WatchFrame = { status: first, recent: [...recent], ...(by === undefined ? {} : { by }) };
  const draw = () => live.render(view(frame, renderWatchFrame).lines(style).join("\n"));
  return {
    status(status) {
      frame = { status, recent: frame.recent, ...(by === undefined ? {} : { by }) };
      draw();
    },
    audit(entry) {
      frame = { ...frame, recent: [...frame.recent, entry].slice(-RECENT) };
      draw();
    },
    problem(error) {
      frame = { ...frame, problem: errorMessage(error) };
      draw();
    },
    done: () => live.done(),
  };
}

function lineOutput(context: CliContext, json: boolean, by: string | undefined): WatchOutput {
  const style = styleFor(context.stdout, context.env);
  let previous: WatchSnapshot | undefined;
  const problems = new PollProblems();
  const emit = (event: WatchEvent) => context.stdout.write(`${JSON.stringify(event)}\n`);
  return {
    status(status) {
      const snapshot = watchSnapshot(status, by);
      if (problems.succeeded() && !json) writeLines(context.stdout, ["control plane reachable again"]);
      if (json && changedButTime(previous, snapshot)) emit(statusEvent(snapshot));
      if (!json)
        writeView(
          context.stdout,
          view({ previous, snapshot }, (safe) => watchChanges(safe.previous, safe.snapshot)),
          style,
        );
      previous = snapshot;
    },
    audit(entry) {
      if (json) emit(auditEvent(entry));
      else
        writeView(
          context.stdout,
          view(entry, (safe) => [`audit: ${auditLine(safe)}`]),
          style,
        );
    },
    problem(error) {
      const message = errorMessage(error);
      if (!problems.failed(message)) return;
      if (json) emit(errorEvent(error));
      else
        writeView(
          context.stdout,
          view(message, (safe) => [`poll failed, retrying: ${safe}`]),
          style,
        );
    },
    done: () => {},
  };
}
