import type { ControlPlane } from "@twostep/fleet/control-plane";
import { hookedControlPlane } from "./hooked-control-plane.js";

/** Calls a node makes to say what it noticed. */
type Saying = "beat" | "markRegression";

/**
 * Control planes as nodes see them when they cannot say what they noticed
 * yet: the calls in {@link HushedPlanes.hushed} fail, and while
 * {@link HushedPlanes.markGate} is set, marks wait for it before they are
 * stored. Everything else goes through.
 */
export class HushedPlanes {
  readonly hushed = new Set<Saying>();
  markGate: Promise<void> | undefined;

  /** From now on, heartbeats and marks fail. */
  hush(): void {
    this.hushed.add("beat");
    this.hushed.add("markRegression");
  }

  /** Everything goes through again. */
  clear(): void {
    this.hushed.clear();
    this.markGate = undefined;
  }

  /** `plane` as a node sees it through these rules. */
  plane(plane: ControlPlane): ControlPlane {
    return hookedControlPlane(plane, {
      beforeCall: (method) => {
        if (this.hushed.has(method as Saying)) throw new Error(`${method} cannot reach the control plane`);
      },
      beforeMark: () => this.markGate,
    });
  }
}
