/**
 * Changes every value reachable from `value` in place: numbers, strings,
 * booleans, array lengths. A store that keeps a reference to what it was
 * given, or hands out its own state unfrozen, shows it after this. Frozen
 * objects are left alone: handing out frozen state is as safe as copying.
 */
export function scribble(value: unknown): void {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  const target = value as Record<string, unknown>;
  for (const key of Object.keys(target)) {
    const field = target[key];
    if (typeof field === "number") target[key] = field + 1;
    else if (typeof field === "string") target[key] = `${field}!`;
    else if (typeof field === "boolean") target[key] = !field;
    else scribble(field);
  }
  if (Array.isArray(value)) value.push("scribbled");
  else target["scribbled"] = true;
}
