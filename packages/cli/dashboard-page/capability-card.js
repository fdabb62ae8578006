// The card of one capability: everything the page shows of it, drawn from
// the fleet's summary (`/api/fleet`) and the capability's rollout plan.
import { badge, bar, h, row } from "./elements.js";
import {
  BLOCKER_WORDS,
  describeStep,
  formatAge,
  formatDuration,
  formatLevels,
  formatRamp,
  formatRemaining,
  formatSelector,
  formatTime,
  nameList,
  naturally,
  plural,
} from "./format.js";
import { groupsOf, readersIn } from "./readiness.js";

/** The capability of the control plane's own record format (`RECORD_FORMAT_CAPABILITY` of @twostep/fleet). */
const RECORD_FORMAT_CAPABILITY = "twostep.records";

/** How many groups get a bar each under a level before only those that do not all read it do. */
const GROUP_BARS_UP_TO = 12;

/** A bar per level (readers of those taking part), and one per group of members under it (past a dozen groups, per group that does not all read it). */
function drawReadiness(entry, summary, grouping) {
  const record = entry.record;
  const levels = new Set([...Object.keys(entry.readers).map(Number), ...entry.required]);
  if (record?.level != null) levels.add(record.level);
  if (record?.ramp) levels.add(record.ramp.to);
  if (entry.next !== null) levels.add(entry.next);
  const groups = groupsOf(summary, entry.capability, grouping.value);
  const names = [...groups.keys()].sort(naturally.compare);
  const rows = [...levels]
    .sort((a, b) => b - a)
    .map((level) => {
      const readers = entry.readers[String(level)] ?? 0;
      const tags = [];
      if (record?.level === level) tags.push(badge("written", "ok"));
      if (record?.ramp?.to === level) tags.push(badge(`ramp ${record.ramp.percent}%`, "info"));
      if (entry.required.includes(level)) tags.push(badge("required", "muted"));
      if (entry.next === level) tags.push(badge(entry.blockerCount === 0 ? "next: ready" : "next: blocked", entry.blockerCount === 0 ? "ok" : "bad"));
      if (record?.retired.includes(level)) tags.push(badge("retired", "muted"));
      // Past a dozen groups, only those not every member of which reads the level get a bar; the others are counted.
      const counted = names.map((name) => ({ name, group: groups.get(name), count: readersIn(groups.get(name), level) }));
      const barred = names.length > GROUP_BARS_UP_TO ? counted.filter(({ group, count }) => count < group.members) : counted;
      const full = counted.length - barred.length;
      const perGroup = barred.map(({ name, group, count }) =>
        h(
          "div",
          { class: "group", "data-group": name, "data-readers": count, "data-of": group.members },
          h("span", { class: "group-name", title: name }, name),
          bar(count, group.members, `${name}: ${count} of ${group.members} read v${level}`),
          h("span", { class: "count" }, `${count}/${group.members}`),
          h("span", {}),
        ),
      );
      return h(
        "div",
        { class: "level", "data-level": level, "data-readers": readers, "data-of": entry.participants },
        h(
          "div",
          { class: "level-head" },
          h("span", { class: "level-name" }, `v${level}`),
          bar(readers, entry.participants, `${readers} of ${entry.participants} members read v${level}`),
          h("span", { class: "count" }, `${readers}/${entry.participants}`),
          h("span", { class: "tags" }, tags),
        ),
        names.length > 1
          ? h(
              "div",
              { class: "groups" },
              perGroup,
              full === 0 ? null : h("p", { class: "muted", "data-full-groups": full }, `${plural(full, "other group")}: every member reads v${level}`),
            )
          : null,
      );
    });
  return h(
    "div",
    { class: "part", "data-part": "readiness" },
    h("h4", {}, "Readiness ", h("small", {}, `members that read each level, by ${grouping.name}`)),
    rows.length === 0 ? h("p", { class: "muted" }, "no member reads it") : rows,
  );
}

function drawWriteState(entry, summary) {
  const record = entry.record;
  const rows = [];
  if (entry.problem !== null) {
    rows.push(row("record", h("span", { class: "bad" }, `cannot be read: ${entry.problem}`), "; writers keep what they applied, changes are refused"));
  } else if ((record === null || record.level === null) && entry.capability === RECORD_FORMAT_CAPABILITY) {
    rows.push(row("write level", "record format 1, the default (nothing enabled)"));
  } else if (record === null || record.level === null) {
    rows.push(row("write level", "writes closed: nothing enabled"));
  } else {
    const since = record.levelSince === null ? "" : ` since ${formatTime(record.levelSince)}`;
    rows.push(
      row("write level", h("strong", {}, `v${record.level}`), `${since} by ${record.levelSetBy}`, record.levelReason ? ` “${record.levelReason}”` : ""),
    );
    rows.push(row("ramp", record.ramp === null ? "none" : formatRamp(record.ramp)));
  }
  if (record !== null) {
    rows.push(
      row("levels", `ever written ${formatLevels(record.everWritten)} · retired ${formatLevels(record.retired)} · required ${formatLevels(entry.required)}`),
    );
    if (record.intent !== null) {
      rows.push(
        row(
          "pending",
          h(
            "span",
            { class: "warn" },
            `intent to require ${formatLevels(record.intent.levels)} by ${record.intent.actor}, ${formatAge(record.intent.at, summary.at)}`,
          ),
        ),
      );
    }
  }
  return h("div", { class: "part", "data-part": "write" }, rows);
}

function drawRollout(stored, summary) {
  const rollout = stored.rollout;
  const step = rollout.steps[rollout.step];
  const kinds = { running: "info", holding: "warn", paused: "warn", failed: "bad", aborted: "bad", done: "ok" };
  const lines = [
    row(
      "plan",
      `v${rollout.from ?? "none"} → v${rollout.target}, `,
      badge(rollout.state, kinds[rollout.state] ?? "muted"),
      ` ${describeStep(rollout.step, rollout.steps)}`,
    ),
  ];
  if (rollout.state === "running" || rollout.state === "holding" || rollout.state === "paused") {
    if (rollout.applied === null) lines.push(row("step", "being applied"));
    else if (rollout.bakeStartedAt === null)
      lines.push(row("step", `applied ${formatAge(rollout.applied.at, summary.at)}, waiting to converge before its bake`));
    else if (step !== undefined) {
      const left = rollout.bakeStartedAt + step.bakeMs - summary.at;
      lines.push(row("bake", left > 0 ? `${formatRemaining(left)} left of ${formatDuration(step.bakeMs)}` : "baked: the next look moves on"));
    }
  }
  if (rollout.why !== null) lines.push(row("why", rollout.why));
  const steps = h(
    "ol",
    { class: "steps" },
    rollout.steps.map((each, index) => {
      const where = index < rollout.step || rollout.state === "done" ? "past" : index === rollout.step ? "current" : "future";
      return h("li", { class: where, "data-step": index + 1 }, `${formatSelector(each.where)}, ${each.percent}%, bake ${formatDuration(each.bakeMs)}`);
    }),
  );
  const gates =
    rollout.results.length === 0
      ? h("p", { class: "muted" }, rollout.gates.length === 0 ? "no gates but convergence" : "no verdict yet")
      : h(
          "ul",
          { class: "gates" },
          rollout.results.map((result) =>
            h(
              "li",
              { "data-gate": result.name, "data-verdict": result.verdict },
              badge(result.verdict, result.verdict === "pass" ? "ok" : result.verdict === "fail" ? "bad" : "warn"),
              h("strong", {}, ` ${result.name}`),
              `: ${result.detail}`,
            ),
          ),
        );
  return h(
    "div",
    { class: "part rollout", "data-part": "rollout", "data-state": rollout.state, "data-step": rollout.step + 1, "data-steps": rollout.steps.length },
    h("h4", {}, "Rollout plan ", h("small", {}, `${rollout.id.slice(0, 8)}, rev ${stored.revision}`)),
    lines,
    steps,
    gates,
  );
}

function drawConvergence(entry, summary) {
  const convergence = entry.convergence;
  const waiting = convergence.waiting.map((member) => {
    const seen = member.lastSeen === null ? "never seen" : `last seen ${formatAge(member.lastSeen, summary.at)}`;
    return h("li", { "data-node": member.nodeId }, h("code", {}, member.nodeId), ` ${member.state}, applied rev ${member.applied}, ${seen}`);
  });
  return h(
    "div",
    { class: "part", "data-part": "convergence", "data-applied": convergence.applied, "data-of": convergence.of },
    row(
      "convergence",
      bar(convergence.applied, convergence.of, `${convergence.applied} of ${convergence.of} applied revision ${entry.revision}`),
      ` applied by ${convergence.applied} of ${convergence.of}`,
      convergence.waitingCount === 0 ? "" : `, waiting on ${plural(convergence.waitingCount, "member")}:`,
    ),
    waiting.length === 0
      ? null
      : h(
          "ul",
          { class: "waiting" },
          waiting,
          convergence.waitingCount > waiting.length ? h("li", { class: "muted" }, `… and ${convergence.waitingCount - waiting.length} more`) : null,
        ),
  );
}

function drawDrain(entry, summary) {
  const record = entry.record;
  const window = `${formatDuration(entry.drainWindowMs)}${entry.drainWindowIsDefault ? " (default)" : " (policy)"}`;
  const levels = (record?.everWritten ?? []).filter((level) => !record.retired.includes(level));
  const items = levels.map((level) => {
    if (record.level === level || record.ramp?.to === level) return h("li", { "data-level": level }, `v${level}: written now`);
    const until = record.writtenUntil[String(level)];
    if (until === undefined) return h("li", { "data-level": level }, `v${level}: when writers stopped is not recorded; twostep retire checks it`);
    const ends = until + entry.drainWindowMs;
    const when =
      summary.at >= ends
        ? "drain window over: retirable once no member still writes it (twostep retire checks)"
        : `retirable from ${formatTime(ends)} at the earliest`;
    return h("li", { "data-level": level, "data-retirable-at": ends }, `v${level}: not written since ${formatTime(until)}; ${when}`);
  });
  return h("div", { class: "part", "data-part": "drain" }, row("drain window", window), items.length === 0 ? null : h("ul", { class: "drain" }, items));
}

function drawBlockers(entry, summary) {
  if (entry.next === null) return null;
  if (entry.blockerCount === 0) {
    return h(
      "div",
      { class: "part", "data-part": "blockers", "data-count": 0 },
      row("next level", `v${entry.next}: `, h("span", { class: "ok" }, "ready"), ", every member reads it"),
    );
  }
  const groups = entry.blockerGroups.map((group) => {
    const words = (BLOCKER_WORDS[group.reason] ?? ((level) => `${group.reason} (v${level})`))(group.level);
    const seen = group.reason === "stale" && group.lastSeen !== null ? ` (last seen ${formatAge(group.lastSeen, summary.at)})` : "";
    return h(
      "li",
      { "data-reason": group.reason },
      h("strong", {}, `${group.count} ×`),
      ` ${words}${seen} in build ${group.build} (service ${group.service}): `,
      h("code", {}, nameList(group.nodeIds, group.count)),
    );
  });
  return h(
    "div",
    { class: "part blocked", "data-part": "blockers", "data-count": entry.blockerCount },
    row("next level", `v${entry.next}: `, h("span", { class: "bad" }, `blocked by ${entry.blockerCount} of ${entry.participants} members`)),
    h("ul", { class: "blockers" }, groups),
  );
}

/**
 * True for a capability with nothing to act on: the summary says so of all
 * but its rollout plan (`entry.quiet`, as `twostep status` judges it), and
 * its plan (`stored`, if any) is done or aborted. Past a dozen
 * capabilities, these are a table row each.
 */
export function isQuiet(entry, stored) {
  const rollout = stored?.rollout.state;
  return entry.quiet && (rollout === undefined || rollout === "done" || rollout === "aborted");
}

/**
 * One card for the capabilities with nothing to act on: a row each, its
 * name a link to its full card; a required level whose drain window is
 * over (at `at`) is marked drained. The members that are not live which
 * their records wait on are named once, for them all.
 */
export function drawQuiet(entries, more, at) {
  const head = h(
    "tr",
    {},
    ["capability", "rev", "writes", "required", "next", "applied", "readers"].map((name) => h("th", {}, name)),
  );
  const rows = entries.map((entry) => {
    const level = entry.record?.level ?? null;
    const writes = level !== null ? `v${level}` : entry.capability === RECORD_FORMAT_CAPABILITY ? "format 1 (default)" : "closed";
    const readers = Object.keys(entry.readers)
      .map(Number)
      .sort((a, b) => a - b)
      .map((each) => `v${each} ${entry.readers[String(each)]}/${entry.participants}`)
      .join(" · ");
    return h(
      "tr",
      { "data-capability": entry.capability },
      // URLSearchParams writes any name, a lone surrogate included, where encodeURIComponent throws.
      h("td", {}, h("a", { href: `/?${new URLSearchParams({ capability: entry.capability })}` }, h("code", {}, entry.capability))),
      h("td", { class: "num" }, entry.revision),
      h("td", {}, writes),
      h("td", {}, requiredLevels(entry, at)),
      h("td", { class: entry.next === null ? "muted" : "ok" }, entry.next === null ? "–" : `v${entry.next} ready`),
      drawApplied(entry.convergence),
      h("td", {}, readers || "no member reads it"),
    );
  });
  return h(
    "section",
    { class: "card quiet", "data-part": "quiet", "data-count": entries.length },
    h("h3", {}, `${entries.length}${more ? " more" : ""} ${entries.length === 1 ? "capability" : "capabilities"} with nothing to act on`),
    h("p", { class: "muted" }, "no ramp, intent or rollout plan under way, applied by every live member, nothing blocked; a name opens its full card"),
    drawNotLive(entries, at),
    h("table", { class: "nodes" }, h("thead", {}, head), h("tbody", {}, rows)),
  );
}

/** Who applied a quiet capability's record, of those taking part: short of all only by members that are not live. */
function drawApplied(convergence) {
  if (convergence.of === 0) return h("td", { class: "muted" }, "–");
  return h("td", { class: convergence.applied === convergence.of ? "num" : "num warn" }, `${convergence.applied}/${convergence.of}`);
}

/** How many of the members that are not live, which quiet capabilities wait on, are named. */
const NOT_LIVE_NAMED = 5;

/** The members that are not live which the records of quiet `entries` wait on, each once, the first few named; or nothing. */
function drawNotLive(entries, at) {
  const found = new Map();
  let more = false;
  for (const entry of entries) {
    const { waiting, waitingCount } = entry.convergence;
    // The summary names the first 20 members a record waits on: past those, there may be others.
    if (waitingCount > waiting.length) more = true;
    for (const member of waiting) if (member.state !== "live") found.set(`${member.nodeId}\u0000${member.incarnation}`, member);
  }
  if (found.size === 0) return null;
  const byCodeUnit = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const members = [...found.values()].sort(
    (a, b) => naturally.compare(a.nodeId, b.nodeId) || byCodeUnit(a.nodeId, b.nodeId) || byCodeUnit(a.incarnation, b.incarnation),
  );
  const named = members.slice(0, NOT_LIVE_NAMED).map((member) => {
    const seen = member.lastSeen === null ? "never seen" : `last seen ${formatAge(member.lastSeen, at)}`;
    return `${member.nodeId} (${member.state}, ${seen}, incarnation ${member.incarnation})`;
  });
  const unnamed = members.length - NOT_LIVE_NAMED;
  const others = unnamed > 0 ? `, … and ${more ? "at least " : ""}${unnamed} more` : more ? ", … and more" : "";
  return h(
    "p",
    { class: "warn", "data-part": "not-live" },
    `waiting only on members that are not live: ${named.join(", ")}${others} (${notLiveAdvice(new Set(members.map((member) => member.state)))})`,
  );
}

/** What to do about members that are not live, in these states, which records wait on (as `twostep status` says it). */
function notLiveAdvice(states) {
  const clauses = [];
  if (states.has("starting")) clauses.push("starting ones apply them at their first heartbeat");
  if (states.has("stale")) clauses.push("stale ones: start them again, or twostep decommission them once their leases have run out");
  if (states.has("expired")) clauses.push("expired ones: start them again, or twostep decommission them (with --incarnation when the node id runs again)");
  return clauses.join("; ");
}

/**
 * The required levels, a level no longer written whose drain window is over
 * (at `at`) marked drained: retiring it is the second step of a change. Not
 * while the record waits on a member (one that is not live, on the quiet
 * card), which may still write it: retire waits for it too.
 */
function requiredLevels(entry, at) {
  const record = entry.record;
  if (entry.required.length === 0) return "none";
  return entry.required
    .map((level) => {
      const until = record?.writtenUntil[String(level)];
      const written = record?.level === level || record?.ramp?.to === level;
      // A member that is not live may still write it, as far as anyone can tell: retire waits on it, so the level is not called drained.
      const waitedOn = entry.convergence.waitingCount > 0;
      return !written && !waitedOn && until !== undefined && at >= until + entry.drainWindowMs ? `v${level} (drained)` : `v${level}`;
    })
    .join(", ");
}

/**
 * The card of one capability (`entry`) of the fleet's `summary`: its write
 * state, its rollout plan (`stored`, an entry of `Rollouts.list()`, or
 * undefined), readiness by `grouping` (`{ value, name }` of the "readers
 * by" choice), convergence, drain and blockers.
 */
export function drawCapability(entry, summary, stored, grouping) {
  const writes = entry.writes === "open" ? `writes v${entry.record.level}` : entry.writes === "closed" ? "writes closed" : "record unreadable";
  return h(
    "section",
    { class: "capability card", "data-capability": entry.capability },
    h(
      "h3",
      {},
      h("span", { class: "name" }, entry.capability),
      h("small", {}, ` rev ${entry.revision}`),
      badge(writes, entry.writes === "unreadable" ? "bad" : entry.writes === "open" ? "ok" : "muted"),
      entry.record?.ramp ? badge(`ramp v${entry.record.ramp.to} ${entry.record.ramp.percent}%`, "info") : null,
    ),
    drawWriteState(entry, summary),
    stored === undefined ? null : drawRollout(stored, summary),
    drawReadiness(entry, summary, grouping),
    entry.record === null ? null : drawConvergence(entry, summary),
    drawDrain(entry, summary),
    drawBlockers(entry, summary),
  );
}
