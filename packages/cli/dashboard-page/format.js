// Formatting, in the words of the \`twostep\` command.

/** Node ids named in a list before "… and N more". */
const NAMES_SHOWN = 8;

/** Natural order: \`node-2\` before \`node-10\`. */
export const naturally = new Intl.Collator("en", { numeric: true });

/** `2026-01-01 10:00:00Z`: an instant in UTC to the second, as the `twostep` command writes it. */
export function formatTime(ms) {
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
export function formatAge(ms, now) {
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  const [unit, size] = AGE_UNITS.find(([, length]) => seconds >= 2 * length) ?? ["second", 1];
  return relativeTime.format(-Math.round(seconds / size), unit);
}

export function formatDuration(ms) {
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
export function formatRemaining(ms) {
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

export function formatLevels(levels) {
  return levels.length === 0 ? "none" : levels.map((level) => `v${level}`).join(", ");
}

export function formatSelector(where) {
  if (where === null || Object.keys(where).length === 0) return "every node";
  return Object.entries(where)
    .map(([name, values]) => `${name}=${values.join("|")}`)
    .join(" ");
}

export function formatRamp(ramp) {
  const where = ramp.where === null || Object.keys(ramp.where).length === 0 ? "" : ` where ${formatSelector(ramp.where)}`;
  return ramp.percent === 100 ? `to v${ramp.to} on every node${where}` : `to v${ramp.to} at ${ramp.percent}% by ${ramp.by}${where}`;
}

/** The first names of a list of `total` (the summary sends its first 20, more than are shown here), and how many more there are. */
export function nameList(names, total = names.length) {
  return total <= NAMES_SHOWN + 1 ? names.join(", ") : `${names.slice(0, NAMES_SHOWN).join(", ")}, … and ${total - NAMES_SHOWN} more`;
}

export function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

export function describeStep(index, steps) {
  const step = steps[index];
  if (step === undefined) return `step ${index + 1} of ${steps.length}`;
  return `step ${index + 1} of ${steps.length}: ${formatSelector(step.where)}, ${step.percent}%, bake ${formatDuration(step.bakeMs)}`;
}

export const BLOCKER_WORDS = {
  "no-reader": (level) => `no reader of v${level}`,
  "no-writer": (level) => `could write no level every member reads at or below v${level}`,
  "keeps-writing": (level) => `would keep writing a lower level than v${level}`,
  "unknown-build": () => "build cannot be told (its record is missing or unreadable)",
  stale: () => "no live heartbeat",
  starting: () => "still starting, no heartbeat yet",
  "not-applied": () => "not yet applied the record's latest revision",
  "still-writing": (level) => `may still write v${level}`,
};
