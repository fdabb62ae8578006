/** `2026-01-01 10:00:00Z`: an instant in UTC to the second, the same on every machine. */
export function formatTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
}

/** `10:00:00`: the UTC time of day, for live views and recent changes. */
export function formatClock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** `4 s ago`, `3 min ago`, `2 h ago`, `5 d ago`: how long before `now` the instant `ms` was. */
export function formatAge(ms: number, now: number): string {
  return `${formatRoughly(now - ms)} ago`;
}

/** `4 s`, `14 min`, `2 h`, `5 d`: a duration rounded to the unit that tells it at a glance (`14 min left`). */
export function formatRoughly(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} d`;
}

/** `1 h`, `30 min`, `90 s`, `1500 ms`: a duration in the largest unit that tells it exactly. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["min", 60_000],
    ["s", 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${ms} ms`;
}

/** `2 min`, `40 s`: how long before `now` the instant `ms` was, without "ago". */
export function formatSince(ms: number, now: number): string {
  return formatAge(ms, now).replace(/ ago$/, "");
}
