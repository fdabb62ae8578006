// The twostep dashboard: draws the fleet from the server's live channel
// (/api/events). Every string of the fleet (node ids, builds, labels,
// reasons, capability names) is untrusted: it reaches the page only as text
// (`h` below appends text nodes and sets attributes), never as markup.

const state = {
  /** `twostep status --json`. */
  status: null,
  /** `Rollouts.list()`: `{ rollouts: [{ rollout, revision }], unreadable }`. */
  rollouts: { rollouts: [], unreadable: [] },
  /** Audit entries, oldest first, as `twostep history --json` gives them. */
  history: [],
  /** The last failed poll (`{ code, message }`), until a status arrives. */
  problem: null,
  connected: false,
};

const HISTORY_SHOWN = 50;
/** The capability of the control plane's own record format (`RECORD_FORMAT_CAPABILITY` of @twostep/fleet). */
const RECORD_FORMAT_CAPABILITY = "twostep.records";
const NAMES_SHOWN = 8;
const only = new URLSearchParams(window.location.search).get("capability") || null;
const groupBy = document.getElementById("group-by");

/** An element with attributes (`class`, `data-*`, `title`, ...) and children: nodes, or strings that become text. */
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else element.setAttribute(name, String(value));
  }
  return fill(element, ...children);
}

/** Replaces what `element` holds with `children`: nodes, or strings that become text; null, undefined and false are left out. */
function fill(element, ...children) {
  const nodes = children.flat(Infinity).filter((child) => child !== undefined && child !== null && child !== false);
  element.replaceChildren(...nodes.map((child) => (child instanceof Node ? child : String(child))));
  return element;
}

// Formatting, in the words of the `twostep` command.

function formatTime(ms) {
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
}

/** The browser's own words for ages: `18 seconds ago`, `3 minutes ago`, `2 days ago`. */
const relativeTime = new Intl.RelativeTimeFormat("en", { numeric: "always" });
const AGE_UNITS = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
];

/** How long before `now` the instant `ms` was, in the largest unit that fits twice. */
function formatAge(ms, now) {
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  const [unit, size] = AGE_UNITS.find(([, length]) => seconds >= 2 * length) ?? ["second", 1];
  return relativeTime.format(-Math.round(seconds / size), unit);
}

function formatDuration(ms) {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["min", 60_000],
    ["s", 1_000],
  ]) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  }
  if (ms >= 120_000) return `${Math.round(ms / 60_000)} min`;
  if (ms >= 1_000) return `${Math.round(ms / 1000)} s`;
  return `${ms} ms`;
}

/** `8 min 20 s`, `45 s`: what is left of a wait, in its two largest units. */
function formatRemaining(ms) {
  const seconds = Math.ceil(ms / 1000);
  const parts = [
    [Math.floor(seconds / 3600), "h"],
    [Math.floor((seconds % 3600) / 60), "min"],
    [seconds % 60, "s"],
  ].filter(([count]) => count > 0);
  return parts.length === 0
    ? "0 s"
    : parts
        .slice(0, 2)
        .map(([count, unit]) => `${count} ${unit}`)
        .join(" ");
}

function formatLevels(levels) {
  return levels.length === 0 ? "none" : levels.map((level) => `v${level}`).join(", ");
}

function formatSelector(where) {
  if (where === null || Object.keys(where).length === 0) return "every node";
  return Object.entries(where)
    .map(([name, values]) => `${name}=${values.join("|")}`)
    .join(" ");
}

function formatRamp(ramp) {
  const where = ramp.where === null || Object.keys(ramp.where).length === 0 ? "" : ` where ${formatSelector(ramp.where)}`;
  return ramp.percent === 100 ? `to v${ramp.to} on every node${where}` : `to v${ramp.to} at ${ramp.percent}% by ${ramp.by}${where}`;
}

function nameList(names) {
  return names.length <= NAMES_SHOWN + 1 ? names.join(", ") : `${names.slice(0, NAMES_SHOWN).join(", ")}, … and ${names.length - NAMES_SHOWN} more`;
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function describeStep(index, steps) {
  const step = steps[index];
  if (step === undefined) return `step ${index + 1} of ${steps.length}`;
  return `step ${index + 1} of ${steps.length}: ${formatSelector(step.where)}, ${step.percent}%, bake ${formatDuration(step.bakeMs)}`;
}

const BLOCKER_WORDS = {
  "no-reader": (level) => `no reader of v${level}`,
  "no-writer": (level) => `could write no level every member reads at or below v${level}`,
  "keeps-writing": (level) => `would keep writing a lower level than v${level}`,
  "unknown-build": () => "build cannot be told (its record is missing or unreadable)",
  stale: () => "no live heartbeat",
  starting: () => "still starting, no heartbeat yet",
  "not-applied": () => "not yet applied the record's latest revision",
  "still-writing": (level) => `may still write v${level}`,
};

// Drawing.

function bar(count, of, title) {
  const share = of === 0 ? 0 : Math.min(1, count / of);
  const fill = h("span", { class: "fill" });
  fill.style.width = `${(share * 100).toFixed(1)}%`;
  const kind = of > 0 && count >= of ? "full" : count === 0 ? "empty" : "partial";
  return h("span", { class: `bar ${kind}`, role: "img", "aria-label": title, title }, fill);
}

function row(label, ...content) {
  return h("div", { class: "row" }, h("span", { class: "label" }, label), h("span", { class: "value" }, content));
}

function badge(text, kind) {
  return h("span", { class: `badge ${kind}` }, text);
}

function participates(member, capability) {
  return member.capabilities[capability] !== undefined;
}

function readsLevel(member, capability, level) {
  const reads = member.capabilities[capability]?.reads;
  return reads !== undefined && reads.min <= level && level <= reads.max;
}

/** The name of a member's group, by the chosen grouping: service and build, service, or a label. */
function groupOf(member, grouping) {
  if (grouping === "service") return member.service;
  if (grouping.startsWith("label:")) {
    const name = grouping.slice("label:".length);
    return Object.hasOwn(member.labels, name) ? `${name}=${member.labels[name]}` : `no ${name} label`;
  }
  return `${member.build} (${member.service})`;
}

const naturally = new Intl.Collator("en", { numeric: true });

function drawReadiness(entry, status) {
  const record = entry.record;
  const levels = new Set([...Object.keys(entry.readers).map(Number), ...entry.required]);
  if (record?.level != null) levels.add(record.level);
  if (record?.ramp) levels.add(record.ramp.to);
  if (entry.next !== null) levels.add(entry.next);
  const members = status.members.filter((member) => participates(member, entry.capability));
  const grouping = groupBy.value;
  const groups = new Map();
  for (const member of members) {
    const name = groupOf(member, grouping);
    groups.set(name, [...(groups.get(name) ?? []), member]);
  }
  const names = [...groups.keys()].sort(naturally.compare);
  const rows = [...levels]
    .sort((a, b) => b - a)
    .map((level) => {
      const readers = entry.readers[String(level)] ?? 0;
      const tags = [];
      if (record?.level === level) tags.push(badge("written", "ok"));
      if (record?.ramp?.to === level) tags.push(badge(`ramp ${record.ramp.percent}%`, "info"));
      if (entry.required.includes(level)) tags.push(badge("required", "muted"));
      if (entry.next === level) tags.push(badge(entry.blockers.length === 0 ? "next: ready" : "next: blocked", entry.blockers.length === 0 ? "ok" : "bad"));
      if (record?.retired.includes(level)) tags.push(badge("retired", "muted"));
      const perGroup = names.map((name) => {
        const group = groups.get(name);
        const count = group.filter((member) => readsLevel(member, entry.capability, level)).length;
        return h(
          "div",
          { class: "group", "data-group": name, "data-readers": count, "data-of": group.length },
          h("span", { class: "group-name", title: name }, name),
          bar(count, group.length, `${name}: ${count} of ${group.length} read v${level}`),
          h("span", { class: "count" }, `${count}/${group.length}`),
          h("span", {}),
        );
      });
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
        names.length > 1 ? h("div", { class: "groups" }, perGroup) : null,
      );
    });
  return h(
    "div",
    { class: "part", "data-part": "readiness" },
    h("h4", {}, "Readiness ", h("small", {}, `members that read each level, by ${groupBy.selectedOptions[0]?.textContent ?? "group"}`)),
    rows.length === 0 ? h("p", { class: "muted" }, "no member reads it") : rows,
  );
}

function drawWriteState(entry, status) {
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
            `intent to require ${formatLevels(record.intent.levels)} by ${record.intent.actor}, ${formatAge(record.intent.at, status.at)}`,
          ),
        ),
      );
    }
  }
  return h("div", { class: "part", "data-part": "write" }, rows);
}

function drawRollout(stored, status) {
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
      lines.push(row("step", `applied ${formatAge(rollout.applied.at, status.at)}, waiting to converge before its bake`));
    else if (step !== undefined) {
      const left = rollout.bakeStartedAt + step.bakeMs - status.at;
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

function drawConvergence(entry, status) {
  const convergence = entry.convergence;
  const waiting = convergence.waiting.map((member) => {
    const seen = member.lastSeen === null ? "never seen" : `last seen ${formatAge(member.lastSeen, status.at)}`;
    return h("li", { "data-node": member.nodeId }, h("code", {}, member.nodeId), ` ${member.state}, applied rev ${member.applied}, ${seen}`);
  });
  return h(
    "div",
    { class: "part", "data-part": "convergence", "data-applied": convergence.applied, "data-of": convergence.of },
    row(
      "convergence",
      bar(convergence.applied, convergence.of, `${convergence.applied} of ${convergence.of} applied revision ${entry.revision}`),
      ` applied by ${convergence.applied} of ${convergence.of}`,
      convergence.waiting.length === 0 ? "" : `, waiting on ${plural(convergence.waiting.length, "member")}:`,
    ),
    waiting.length === 0 ? null : h("ul", { class: "waiting" }, waiting),
  );
}

function drawDrain(entry, status) {
  const record = entry.record;
  const window = `${formatDuration(entry.drainWindowMs)}${entry.drainWindowIsDefault ? " (default)" : " (policy)"}`;
  const levels = (record?.everWritten ?? []).filter((level) => !record.retired.includes(level));
  const items = levels.map((level) => {
    if (record.level === level || record.ramp?.to === level) return h("li", { "data-level": level }, `v${level}: written now`);
    const until = record.writtenUntil[String(level)];
    if (until === undefined) return h("li", { "data-level": level }, `v${level}: when writers stopped is not recorded; twostep retire checks it`);
    const ends = until + entry.drainWindowMs;
    const when =
      status.at >= ends
        ? "drain window over: retirable once no member still writes it (twostep retire checks)"
        : `retirable from ${formatTime(ends)} at the earliest`;
    return h("li", { "data-level": level, "data-retirable-at": ends }, `v${level}: not written since ${formatTime(until)}; ${when}`);
  });
  return h("div", { class: "part", "data-part": "drain" }, row("drain window", window), items.length === 0 ? null : h("ul", { class: "drain" }, items));
}

function drawBlockers(entry, status) {
  if (entry.next === null) return null;
  if (entry.blockers.length === 0) {
    return h(
      "div",
      { class: "part", "data-part": "blockers", "data-count": 0 },
      row("next level", `v${entry.next}: `, h("span", { class: "ok" }, "ready"), ", every member reads it"),
    );
  }
  const groups = entry.blockerGroups.map((group) => {
    const words = (BLOCKER_WORDS[group.reason] ?? ((level) => `${group.reason} (v${level})`))(group.level);
    const seen = group.reason === "stale" && group.lastSeen !== null ? ` (last seen ${formatAge(group.lastSeen, status.at)})` : "";
    return h(
      "li",
      { "data-reason": group.reason },
      h("strong", {}, `${group.nodeIds.length} ×`),
      ` ${words}${seen} in build ${group.build} (service ${group.service}): `,
      h("code", {}, nameList(group.nodeIds)),
    );
  });
  return h(
    "div",
    { class: "part blocked", "data-part": "blockers", "data-count": entry.blockers.length },
    row("next level", `v${entry.next}: `, h("span", { class: "bad" }, `blocked by ${entry.blockers.length} of ${entry.participants} members`)),
    h("ul", { class: "blockers" }, groups),
  );
}

function drawCapability(entry, status) {
  const stored = state.rollouts.rollouts.find((each) => each.rollout.capability === entry.capability);
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
    drawWriteState(entry, status),
    stored === undefined ? null : drawRollout(stored, status),
    drawReadiness(entry, status),
    entry.record === null ? null : drawConvergence(entry, status),
    drawDrain(entry, status),
    drawBlockers(entry, status),
  );
}

function countByState(members) {
  const counts = { starting: 0, live: 0, stale: 0, expired: 0 };
  for (const member of members) counts[member.state] = (counts[member.state] ?? 0) + 1;
  return counts;
}

function drawFleet(status) {
  const counts = countByState(status.members);
  const states = Object.entries(counts)
    .filter(([name, count]) => count > 0 || name === "live")
    .map(([name, count]) => `${count} ${name}`)
    .join(", ");
  const plane = status.plane.id === null ? "control plane not set up yet" : `control plane ${status.plane.id.slice(0, 8)} epoch ${status.plane.epoch}`;
  const fleet = document.getElementById("fleet");
  fleet.dataset.members = String(status.memberCount);
  fill(
    fleet,
    h("strong", {}, plural(status.memberCount, "member")),
    `: ${states} · ${plane} · as of ${formatTime(status.at)}`,
    only === null ? null : [" · only ", h("code", {}, only), " (", h("a", { href: "/" }, "show all"), ")"],
  );
}

function drawNotices(status) {
  const notices = [];
  if (state.problem !== null)
    notices.push(
      h("p", { class: "notice bad", "data-notice": "poll" }, `reading the fleet failed, retrying: ${state.problem.message} (${state.problem.code})`),
    );
  if (!state.connected)
    notices.push(h("p", { class: "notice warn", "data-notice": "connection" }, "not connected to the dashboard: reconnecting; what is shown may be old"));
  /** A notice with a list of what it is about, when there is any. */
  const listed = (kind, heading, lines) => {
    if (lines.length > 0)
      notices.push(
        h(
          "div",
          { class: "notice bad", "data-notice": kind },
          heading,
          h(
            "ul",
            {},
            lines.map((line) => h("li", {}, line)),
          ),
        ),
      );
  };
  listed("regressed", "the store went backwards: changes wait for twostep reconcile", status?.plane.regressed ?? []);
  const unreadable = status?.plane.unreadable ?? [];
  listed("unreadable", `${plural(unreadable.length, "record")} cannot be read (none is taken as absent):`, unreadable);
  listed("rollouts", "rollout plans that cannot be read:", state.rollouts.unreadable);
  fill(document.getElementById("notices"), notices);
}

function drawNodes(status) {
  const states = ["starting", "live", "stale", "expired"];
  const head = h(
    "tr",
    {},
    h("th", {}, "service"),
    h("th", {}, "build"),
    states.map((name) => h("th", { class: "num" }, name)),
  );
  const rows = status.groups.map((group) =>
    h(
      "tr",
      {},
      h("td", {}, group.service),
      h("td", {}, h("code", {}, group.build)),
      states.map((name) => h("td", { class: `num ${group[name] > 0 && name !== "live" ? "warn" : ""}` }, group[name])),
    ),
  );
  const fenced = status.members.filter((member) => member.fenced !== null);
  fill(
    document.getElementById("nodes"),
    status.groups.length === 0
      ? h("p", { class: "muted" }, "no node has registered")
      : h("table", { class: "nodes" }, h("thead", {}, head), h("tbody", {}, rows)),
    fenced.length === 0
      ? null
      : h("p", { class: "bad" }, `${fenced.length} fenced, not writing: `, h("code", {}, nameList(fenced.map((member) => member.nodeId)))),
  );
}

function drawHistory() {
  const entries = state.history.filter((entry) => only === null || entry.capability === null || entry.capability === only);
  const items = entries
    .slice(-HISTORY_SHOWN)
    .reverse()
    .map((entry) => {
      const note = entry.note;
      if (entry.problem !== null) return h("li", { class: "bad", "data-revision": entry.revision }, `rev ${entry.revision}: cannot be read: ${entry.problem}`);
      const subject = entry.capability ?? entry.nodeId ?? "control plane";
      return h(
        "li",
        { "data-revision": entry.revision, "data-action": note.action },
        h("time", {}, formatTime(note.at)),
        " ",
        h("strong", {}, note.actor),
        " ",
        badge(note.action, note.action === "refused" || note.action === "guard-revert" || note.action === "rollout-fail" ? "bad" : "muted"),
        " ",
        h("code", {}, subject),
        ` ${note.request}`,
        h("small", {}, ` rev ${note.revisionBefore}→${entry.revision}`),
        note.reason ? h("span", { class: "reason" }, ` “${note.reason}”`) : null,
        note.blockerCount > 0 ? h("small", { class: "bad" }, ` ${plural(note.blockerCount, "blocker")}`) : null,
      );
    });
  fill(document.getElementById("history"), items.length === 0 ? h("li", { class: "muted" }, "nothing recorded yet") : items);
}

/** Offers a grouping by each label the members carry. */
function updateGroupings(status) {
  const labels = new Set(status.members.flatMap((member) => Object.keys(member.labels)));
  const wanted = ["build", "service", ...[...labels].sort(naturally.compare).map((name) => `label:${name}`)];
  const present = [...groupBy.options].map((option) => option.value);
  if (wanted.join("\n") === present.join("\n")) return;
  const chosen = groupBy.value;
  fill(
    groupBy,
    wanted.map((value) => {
      const option = h("option", {}, value === "build" ? "service and build" : value === "service" ? "service" : `label ${value.slice("label:".length)}`);
      option.value = value;
      return option;
    }),
  );
  groupBy.value = wanted.includes(chosen) ? chosen : "build";
}

function draw() {
  const status = state.status;
  const connection = document.getElementById("connection");
  connection.dataset.state = state.connected ? (state.problem === null ? "live" : "failing") : "reconnecting";
  connection.textContent = state.connected ? (state.problem === null ? "live" : "poll failing") : "reconnecting";
  drawNotices(status);
  drawHistory();
  if (status === null) return;
  updateGroupings(status);
  drawFleet(status);
  drawNodes(status);
  const shown = status.capabilities.filter((entry) => only === null || entry.capability === only);
  const cards = shown.map((entry) => drawCapability(entry, status));
  if (cards.length === 0) {
    cards.push(
      h(
        "p",
        { class: "card muted" },
        only !== null
          ? ["no capability named ", h("code", {}, only), " in this fleet"]
          : "no capability yet: nodes appear once they start, and their builds declare what they read and write",
      ),
    );
  }
  fill(document.getElementById("capabilities"), cards);
}

function listen() {
  const events = new EventSource("/api/events");
  const on = (name, handle) =>
    events.addEventListener(name, (event) => {
      handle(JSON.parse(event.data));
      draw();
    });
  on("status", (status) => {
    state.status = status;
    state.problem = null;
  });
  on("rollouts", (list) => {
    state.rollouts = list;
  });
  on("history", (history) => {
    state.history = history.entries;
  });
  on("audit", (event) => {
    if (!state.history.some((entry) => entry.revision === event.entry.revision)) state.history = [...state.history, event.entry];
  });
  on("problem", (event) => {
    state.problem = { code: event.code, message: event.message };
  });
  events.addEventListener("open", () => {
    state.connected = true;
    draw();
  });
  // EventSource reconnects by itself.
  events.addEventListener("error", () => {
    state.connected = false;
    draw();
  });
}

groupBy.addEventListener("change", draw);
listen();
