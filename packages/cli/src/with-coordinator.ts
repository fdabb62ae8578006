import { type ControlPlane, Coordinator } from "@twostep/fleet";
import type { CliContext } from "./cli-context.js";
import type { ConnectionFlags } from "./connection-flags.js";
import { resolveConnection } from "./connection-options.js";

/** Whether what is missing on the server may be created: only commands that change the fleet pass true (reads work with read-only credentials). */
interface ConnectOptions {
  readonly create?: boolean;
}

/**
 * Connects to the control plane, runs `work` with a coordinator on it, and
 * closes the connection whatever happens. Only commands that change the fleet pass
 * `create`: reads work with read-only credentials. Every rule is the
 * coordinator's: commands only ask it and show what it says.
 */
export async function withCoordinator<T>(
  flags: ConnectionFlags,
  context: CliContext,
  work: (coordinator: Coordinator) => Promise<T>,
  options: ConnectOptions = {},
): Promise<T> {
  return withControlPlane(flags, context, (plane) => work(new Coordinator(plane, { clock: context.clock })), options);
}

/**
 * Connects to the control plane of the connection flags, the environment
 * and the selected context, runs `work` on it, and closes the connection
 * whatever happens: for what needs the plane itself (the controller).
 */
export async function withControlPlane<T>(
  flags: ConnectionFlags,
  context: CliContext,
  work: (plane: ControlPlane) => Promise<T>,
  options: ConnectOptions = {},
): Promise<T> {
  const plane = await context.connect(await resolveConnection(flags, context.env, options.create ?? false));
  try {
    return await work(plane);
  } finally {
    await plane.close().catch(() => {});
  }
}
