import type { ControlPlane } from "@twostep/fleet/control-plane";

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
    return new Proxy(plane, {
      get: (target, name) => {
        if (this.hushed.has(name as Saying)) return async () => Promise.reject(new Error(`${String(name)} cannot reach the control plane`));
        const gate = this.markGate;
        if (name === "markRegression" && gate !== undefined) return async (nodeId: string) => gate.then(() => target.markRegression(nodeId));
        // Read on the plane itself: a getter of a class with private fields works on its own instances only.
        const value = Reflect.get(target, name) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }
}
