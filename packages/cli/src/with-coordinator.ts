import { type ControlPlane, Coordinator } from "@twostep/fleet";
import type { CliContext } from "./cli-context.js";
import { type ConnectionFlags, connectionOptions } from "./connection-options.js";

/**
 * Connects to the control plane, runs `work` with a coordinator on it (and
 * the control plane's clock, which ages are told by, and the control plane
 * itself, for what reads it besides the coordinator), and closes the
 * connection whatever happens. Only commands that change the fleet pass
 * `create`: reads work with read-only credentials. Every rule is the
 * coordinator's: commands only ask it and show what it says.
 */
export async function withCoordinator<T>(
  flags: ConnectionFlags,
  context: CliContext,
  work: (coordinator: Coordinator, now: () => Promise<number>, plane: ControlPlane) => Promise<T>,
  options: { readonly create?: boolean } = {},
): Promise<T> {
  const plane = await context.connect(connectionOptions(flags, context.env, options.create ?? false));
  try {
    return await work(new Coordinator(plane, { clock: context.clock }), () => plane.serverTime(), plane);
  } finally {
    await plane.close().catch(() => {});
  }
}
