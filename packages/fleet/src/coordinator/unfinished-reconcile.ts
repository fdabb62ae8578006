import type { FleetView } from "./fleet-view.js";

/**
 * What shows a reconcile that did not finish: records of an epoch above
 * the control plane's (a reconcile writes its records first, its identity
 * last). A change would write below them, which nodes that took them read
 * as a store gone backwards; a reconcile run again starts above them.
 * Empty when nothing shows it.
 */
export function unfinishedReconcile(view: FleetView): string[] {
  const epoch = view.meta?.value?.epoch;
  if (epoch === undefined) return [];
  const found: string[] = [];
  for (const level of view.levels.values()) {
    if (level.record !== null && level.record.epoch > epoch)
      found.push(`the record of ${level.capability} is of epoch ${level.record.epoch}, above the control plane's epoch ${epoch}: a reconcile did not finish`);
  }
  return found;
}
