import type { CliContext } from "../../cli-context.js";
import type { ConnectionFlags } from "../../connection-flags.js";
import { checkDashboardHost, checkDashboardPort, DEFAULT_DASHBOARD_HOST, DEFAULT_DASHBOARD_PORT, isLoopback } from "../../dashboard/dashboard-address.js";
import { startDashboard } from "../../dashboard/dashboard-server.js";
import { ExitCode } from "../../exit-code.js";
import { withCoordinator } from "../../with-coordinator.js";
import { writeLines } from "../../write-output.js";

/** Options of {@link dashboard}. */
export interface DashboardCommandOptions extends ConnectionFlags {
  /** The port; 0 takes a free one. Defaults to 4280. */
  readonly port?: number;
  /** The address to listen on; given, it may be one other machines reach. Defaults to 127.0.0.1. */
  readonly host?: string;
  /** Read the status every this many ms. Defaults to 1000. */
  readonly interval?: number;
}

/**
 * `twostep dashboard`: serves a read-only web page of the fleet (readiness
 * per level and group, the write level, ramp and rollout plan, convergence,
 * drain, blockers, the history), updated live, until interrupted. Listens
 * on 127.0.0.1 unless `--host` names another address. Fails when the
 * control plane cannot be read at the start; later failures show on the
 * page, which recovers with the control plane. An address or port it may
 * not listen on is a usage error before it connects.
 */
export async function dashboard(options: DashboardCommandOptions, context: CliContext): Promise<ExitCode> {
  checkDashboardHost(options.host ?? DEFAULT_DASHBOARD_HOST, options.host !== undefined);
  checkDashboardPort(options.port ?? DEFAULT_DASHBOARD_PORT);
  return withCoordinator(options, context, async (coordinator) => {
    const running = await startDashboard({
      coordinator,
      rollouts: coordinator.rollouts(),
      ...(options.host === undefined ? {} : { host: options.host, allowNonLoopback: true }),
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.interval === undefined ? {} : { intervalMs: options.interval }),
    });
    try {
      writeLines(context.stdout, [`dashboard on ${running.url} (read-only; Ctrl-C stops it)`]);
      if (!isLoopback(running.host)) {
        writeLines(context.stderr, [
          `warning: ${running.host} may be reachable from other machines, and the page has no login: anyone who reaches it reads the fleet's state`,
        ]);
      }
      await interrupted(context.signal);
    } finally {
      await running.close();
    }
    return ExitCode.Ok;
  });
}

function interrupted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
