import { type ControllerEvent, type ControlPlane, Coordinator, RolloutController } from "@twostep/fleet";
import type { CliContext } from "../../cli-context.js";
import type { ConnectionFlags } from "../../connection-flags.js";
import { ExitCode } from "../../exit-code.js";
import { type ControllerJson, controllerJson } from "../../json/rollout-json.js";
import { formatClock } from "../../render/format-time.js";
import { styleFor } from "../../render/style.js";
import { withControlPlane } from "../../with-coordinator.js";
import { view, writeLines, writeView } from "../../write-output.js";

/** Options of {@link controller}. */
export interface ControllerOptions extends ConnectionFlags {
  /** How long the lease lasts unrenewed, in seconds. Defaults to 15. */
  readonly lease?: number;
  /** How often the controller looks, in ms. Defaults to 1000. */
  readonly tick?: number;
  /** Serve the fleet's Prometheus metrics on 127.0.0.1 at this port (0: any free one). */
  readonly metricsPort?: number;
  /** Print one JSON event per line. */
  readonly json?: boolean;
}

/** The metrics endpoint of a controller process. */
interface MetricsEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * `twostep controller`: runs a `RolloutController` (of `@twostep/fleet`)
 * until SIGINT or SIGTERM, printing a line (or with `--json` a JSON
 * object) per thing it does: the lease taken or lost, a step applied, held
 * or baked, a rollout done or failed, an error (it keeps going). It acts
 * only while it holds the controller lease, so any number may run: the
 * others wait and take over once the lease runs out or is given up. On
 * SIGINT or SIGTERM it lets the look under way finish and gives its lease
 * up, so another takes over at once. With `--metrics-port`, it serves
 * `fleetMetrics` of `@twostep/prometheus` on 127.0.0.1.
 */
export async function controller(options: ControllerOptions, context: CliContext): Promise<ExitCode> {
  const output = eventOutput(context, options.json === true);
  const leaseMs = Math.round((options.lease ?? 15) * 1000);
  const tickMs = options.tick ?? 1000;
  // It writes leases, rollout and write-level records: what the control plane lacks may be created, as for any change.
  return withControlPlane(
    options,
    context,
    async (plane) => {
      const running = new RolloutController(plane, { leaseMs, tickMs, clock: context.clock, onEvent: output.event });
      const coordinator = new Coordinator(plane, { clock: context.clock });
      const [lease, at] = await Promise.all([coordinator.rollouts().controllerLease(), plane.serverTime()]);
      const metrics = options.metricsPort === undefined ? undefined : await serveFleetMetrics(plane, context, options.metricsPort);
      try {
        output.started({ id: running.id, leaseMs, tickMs, metrics: metrics?.url ?? null, at: context.clock() }, controllerJson(lease, at));
        running.start();
        await interrupted(context.signal);
        const released = running.leading;
        await running.stop();
        output.stopped({ id: running.id, released, at: context.clock() });
      } finally {
        await metrics?.close();
      }
      return ExitCode.Ok;
    },
    { create: true },
  );
}

/** The fleet's metrics (`fleetMetrics`) in a registry of their own, served on loopback. Loaded only with `--metrics-port`. */
async function serveFleetMetrics(plane: ControlPlane, context: CliContext, port: number): Promise<MetricsEndpoint> {
  const [{ fleetMetrics, serveMetrics }, { Registry }] = await Promise.all([import("@twostep/prometheus"), import("prom-client")]);
  const coordinator = new Coordinator(plane, { clock: context.clock });
  const { registry } = fleetMetrics(coordinator, coordinator.rollouts(), new Registry());
  return serveMetrics({ registry, port, host: "127.0.0.1" });
}

/** Resolves once `signal` is aborted (at once when it is already). */
function interrupted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

interface Started {
  readonly id: string;
  readonly leaseMs: number;
  readonly tickMs: number;
  readonly metrics: string | null;
  readonly at: number;
}

interface Stopped {
  readonly id: string;
  /** It held the lease and gave it up. */
  readonly released: boolean;
  readonly at: number;
}

/** How the controller's events are printed: a line each, or a JSON object each (docs/cli.md). */
function eventOutput(context: CliContext, json: boolean) {
  const style = styleFor(context.stdout, context.env);
  const emit = (event: object) => context.stdout.write(`${JSON.stringify(event)}\n`);
  const line = (at: number, kind: string, text: string) => `${formatClock(at)} ${kind.padEnd(15)} ${text}`;
  return {
    started(started: Started, lease: ControllerJson | null): void {
      if (json) {
        emit({ event: "started", controller: started.id, leaseMs: started.leaseMs, tickMs: started.tickMs, metrics: started.metrics, at: started.at });
        return;
      }
      const metrics = started.metrics === null ? "" : `; metrics at ${started.metrics}`;
      const head = line(started.at, "started", `controller ${started.id}: lease ${started.leaseMs / 1000} s, looks every ${started.tickMs} ms${metrics}`);
      const waits = (holder: ControllerJson) =>
        `  waiting: ${holder.holder} on ${holder.host} holds the lease until ${formatClock(holder.until)}; this one takes over once it runs out or is given up`;
      writeView(
        context.stdout,
        view(lease, (safe) => [head, ...(safe?.active === true ? [waits(safe)] : [])]),
        style,
      );
    },
    event: (event: ControllerEvent): void => {
      if (json) {
        emit({ event: event.kind, capability: event.capability, detail: event.detail, at: event.at });
        return;
      }
      const paint = event.kind === "rollout-failed" || event.kind === "error" || event.kind === "lease-lost" ? style.red : (text: string) => text;
      writeView(
        context.stdout,
        view(event, (safe) => [paint(line(safe.at, safe.kind, `${safe.capability === null ? "" : `${safe.capability}: `}${safe.detail}`))]),
        style,
      );
    },
    stopped(stopped: Stopped): void {
      if (json) emit({ event: "stopped", controller: stopped.id, released: stopped.released, at: stopped.at });
      else {
        const how = stopped.released ? "gave the lease up: another controller takes over at once" : "it held no lease";
        writeLines(context.stdout, [line(stopped.at, "stopped", `controller ${stopped.id}: ${how}`)]);
      }
    },
  };
}
