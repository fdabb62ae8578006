import type { FleetView } from "./fleet-view.js";

/**
 * The highest log position one coordinator has read of a control plane in
 * one epoch, and what a view read short of a position the store was asked
 * for shows. A store's positions only grow, and a reconcile starts a new
 * epoch: so a store that, asked as of a position it was once read at (or
 * that a member reports having applied), holds less, went backwards. Judged
 * before it writes again: a revision handed out twice would let a node that
 * applied the lost record take the new one for it.
 */
export class ReadPositions {
  /** The highest position read, and the control plane and epoch it was read in. */
  #seen: { readonly plane: string; readonly position: number } | undefined;
  /** The views read short of what they were asked for, and why that shows a store gone backwards. */
  readonly #short = new WeakMap<FleetView, string>();

  /** The position a view of `view`'s control plane and epoch must reach: the highest read before in them (0 when none). */
  floor(view: FleetView): number {
    const seen = this.#seen;
    return seen !== undefined && seen.plane === planeOf(view) ? seen.position : 0;
  }

  /**
   * Notes that `view` was read, as of `asked` (0: as of nothing in
   * particular) because `why` (`a member reports having applied it`, say):
   * a view below what it was asked for is one the store could not give.
   */
  note(view: FleetView, asked = 0, why = ""): void {
    if (view.position < asked) {
      this.#short.set(view, `the store holds its log up to revision ${view.position}, short of revision ${asked}, which ${why}: it went backwards`);
    }
    const plane = planeOf(view);
    const seen = this.#seen;
    if (seen === undefined || seen.plane !== plane || view.position > seen.position) this.#seen = { plane, position: view.position };
  }

  /** What `view` shows of a store gone backwards, in a line, or undefined. */
  evidence(view: FleetView): string | undefined {
    return this.#short.get(view);
  }
}

/** The control plane and epoch of `view`, as one text (`none` before it is set up, or while its identity cannot be read). */
function planeOf(view: FleetView): string {
  const meta = view.meta?.value;
  return meta === undefined || meta === null ? "none" : `${meta.planeId}\u0000${meta.epoch}`;
}
