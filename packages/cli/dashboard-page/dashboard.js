// The twostep dashboard: draws the fleet from the server's live channel
// (/api/events). Every string of the fleet (node ids, builds, labels,
// reasons, capability names) is untrusted: it reaches the page only as text
// (`h` of elements.js appends text nodes and sets attributes), never as markup.
import { drawCapability, drawQuiet, isQuiet } from "./capability-card.js";
import { badge, fill, h } from "./elements.js";
import { formatTime, nameList, plural } from "./format.js";

const state = {
  /** `/api/fleet`: the status of the fleet, its members counted by cohort. */
  fleet: null,
  /** `Rollouts.list()`: `{ rollouts: [{ rollout, revision }], unreadable }`. */
  rollouts: { rollouts: [], unreadable: [] },
  /** True once the plans were read: until then, and while any cannot be read, no capability is taken as quiet. */
  rolloutsKnown: false,
  /** Audit entries, oldest first, as `twostep history --json` gives them. */
  history: [],
  /** The last failed poll (`{ code, message }`), until the fleet is read again. */
  problem: null,
  connected: false,
};

const HISTORY_SHOWN = 50;
/** How many capabilities get a card each before those with nothing to act on share one (as `twostep status` shows them in full). */
const FULL_CARDS_UP_TO = 12;
const only = new URLSearchParams(window.location.search).get("capability") || null;
const groupBy = document.getElementById("group-by");

function drawFleet(summary) {
  const states = Object.entries(summary.states)
    .filter(([name, count]) => count > 0 || name === "live")
    .map(([name, count]) => `${count} ${name}`)
    .join(", ");
  const plane = summary.plane.id === null ? "control plane not set up yet" : `control plane ${summary.plane.id.slice(0, 8)} epoch ${summary.plane.epoch}`;
  const fleet = document.getElementById("fleet");
  fleet.dataset.members = String(summary.memberCount);
  fill(
    fleet,
    h("strong", {}, plural(summary.memberCount, "member")),
    `: ${states} · ${plane} · as of ${formatTime(summary.at)}`,
    only === null ? null : [" · only ", h("code", {}, only), " (", h("a", { href: "/" }, "show all"), ")"],
  );
}

function drawNotices(summary) {
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
  listed("regressed", "the store went backwards: changes wait for twostep reconcile", summary?.plane.regressed ?? []);
  const unreadable = summary?.plane.unreadable ?? [];
  listed("unreadable", `${plural(unreadable.length, "record")} cannot be read (none is taken as absent):`, unreadable);
  listed("rollouts", "rollout plans that cannot be read:", state.rollouts.unreadable);
  fill(document.getElementById("notices"), notices);
}

function drawNodes(summary) {
  const states = ["starting", "live", "stale", "expired"];
  const head = h(
    "tr",
    {},
    h("th", {}, "service"),
    h("th", {}, "build"),
    states.map((name) => h("th", { class: "num" }, name)),
  );
  const rows = summary.groups.map((group) =>
    h(
      "tr",
      {},
      h("td", {}, group.service),
      h("td", {}, h("code", {}, group.build)),
      states.map((name) => h("td", { class: `num ${group[name] > 0 && name !== "live" ? "warn" : ""}` }, group[name])),
    ),
  );
  const fenced = summary.fenced;
  fill(
    document.getElementById("nodes"),
    summary.groups.length === 0
      ? h("p", { class: "muted" }, "no node has registered")
      : h("table", { class: "nodes" }, h("thead", {}, head), h("tbody", {}, rows)),
    fenced.count === 0 ? null : h("p", { class: "bad" }, `${fenced.count} fenced, not writing: `, h("code", {}, nameList(fenced.nodeIds, fenced.nodes))),
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
function updateGroupings(summary) {
  const wanted = ["build", "service", ...summary.labels.map((name) => `label:${name}`)];
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

/** A card drawn by `drawCard`, or, when drawing it fails, a card that says so: one bad entry never blanks the others. */
function drawSafely(what, drawCard) {
  try {
    return drawCard();
  } catch (error) {
    return h("p", { class: "card bad", "data-part": "draw-failed" }, `${what} cannot be drawn: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function draw() {
  const summary = state.fleet;
  const connection = document.getElementById("connection");
  connection.dataset.state = state.connected ? (state.problem === null ? "live" : "failing") : "reconnecting";
  connection.textContent = state.connected ? (state.problem === null ? "live" : "poll failing") : "reconnecting";
  drawNotices(summary);
  drawHistory();
  if (summary === null) return;
  updateGroupings(summary);
  drawFleet(summary);
  drawNodes(summary);
  const shown = summary.capabilities.filter((entry) => only === null || entry.capability === only);
  const grouping = { value: groupBy.value, name: groupBy.selectedOptions[0]?.textContent ?? "group" };
  const rolloutOf = (entry) => state.rollouts.rollouts.find((stored) => stored.rollout.capability === entry.capability);
  // Past a dozen capabilities, those with nothing to act on share one card, a row each.
  const plansKnown = state.rolloutsKnown && state.rollouts.unreadable.length === 0;
  const quiet = only === null && plansKnown && shown.length > FULL_CARDS_UP_TO ? shown.filter((entry) => isQuiet(entry, rolloutOf(entry))) : [];
  const cards = shown
    .filter((entry) => !quiet.includes(entry))
    .map((entry) => drawSafely(entry.capability, () => drawCapability(entry, summary, rolloutOf(entry), grouping)));
  if (quiet.length > 0) cards.push(drawSafely("the quiet capabilities", () => drawQuiet(quiet, quiet.length < shown.length, summary.at)));
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
  on("fleet", (fleet) => {
    state.fleet = fleet;
    state.problem = null;
  });
  on("rollouts", (list) => {
    state.rollouts = list;
    state.rolloutsKnown = true;
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
