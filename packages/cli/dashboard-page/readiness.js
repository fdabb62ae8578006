// Readiness from the fleet's summary (`/api/fleet`): how many members of
// each group read a level, counted over cohorts (members that share a
// service, a build, labels and the levels they read), never member by member.

/** The name of a cohort's group, by the chosen grouping: service and build, service, or a label. */
function groupOf(cohort, grouping) {
  if (grouping === "service") return cohort.service;
  if (grouping.startsWith("label:")) {
    const name = grouping.slice("label:".length);
    return Object.hasOwn(cohort.labels, name) ? `${name}=${cohort.labels[name]}` : `no ${name} label`;
  }
  return `${cohort.build} (${cohort.service})`;
}

/** The groups of the members taking part in `capability`: per group, its cohorts with the levels they read there, and its member count. */
export function groupsOf(summary, capability, grouping) {
  const groups = new Map();
  for (const cohort of summary.cohorts) {
    const set = summary.reads[cohort.reads];
    // Own names only: a capability named `constructor` is not every object's.
    if (set === undefined || !Object.hasOwn(set, capability)) continue;
    const reads = set[capability];
    const name = groupOf(cohort, grouping);
    const group = groups.get(name) ?? { members: 0, cohorts: [] };
    group.members += cohort.members;
    group.cohorts.push({ reads, members: cohort.members });
    groups.set(name, group);
  }
  return groups;
}

/** How many members of `group` read `level`. */
export function readersIn(group, level) {
  let count = 0;
  for (const cohort of group.cohorts) if (cohort.reads.min <= level && level <= cohort.reads.max) count += cohort.members;
  return count;
}
