import { type ControlPlane, Coordinator } from "@twostep/fleet";

/**
 * The live fleet, for `checkRollout`'s `fleet` option: a {@link Coordinator},
 * a {@link ControlPlane} (asked through a coordinator with default options),
 * or a function that connects to one, called only when some rule needs the
 * fleet (so a check that raises no write target and retires nothing never
 * connects). The caller owns what it passes: the check closes nothing.
 */
export type FleetAccess = Coordinator | ControlPlane | (() => Promise<Coordinator | ControlPlane>);

/** The live fleet as the fleet rules ask it: connected on the first rule's need, once for all of them. */
export interface LiveFleet {
  /** The coordinator to ask; rejects with why the fleet could not be reached. */
  coordinator(): Promise<Coordinator>;
}

/** A {@link LiveFleet} of `access`: it connects (when `access` is a function) on the first call only. */
export function liveFleet(access: FleetAccess): LiveFleet {
  let connected: Promise<Coordinator> | undefined;
  return {
    coordinator() {
      connected ??= (async () => asCoordinator(typeof access === "function" ? await access() : access))();
      return connected;
    },
  };
}

function asCoordinator(fleet: Coordinator | ControlPlane): Coordinator {
  // Duck-typed rather than `instanceof`, so that two copies of @twostep/fleet still agree.
  return typeof (fleet as Partial<Coordinator>).change === "function" ? (fleet as Coordinator) : new Coordinator(fleet as ControlPlane);
}
