import type { LabelSelector } from "@twostep/fleet";
import { InvalidArgumentError } from "commander";

/** A level argument: `2` or `v2`. */
export function parseLevel(value: string): number {
  const match = /^v?(\d{1,9})$/i.exec(value.trim());
  if (match === null) throw new InvalidArgumentError("give a level as a whole number, such as 2 or v2.");
  return Number(match[1]);
}

/** A whole number of 1 or more (`--limit`, `--interval`). */
export function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError("give a whole number of 1 or more.");
  return count;
}

/** Whether `port` is a TCP port, 0 to 65535; 0 lets the OS pick a free one. */
export function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65_535;
}

/** A TCP port, 0 to 65535; 0 lets the OS pick a free one (`--metrics-port`). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!isPort(port)) throw new InvalidArgumentError("give a port from 0 to 65535 (0: any free port).");
  return port;
}

/** A number, such as a percent; whether it makes sense is the coordinator's to say. */
export function parseNumber(value: string): number {
  const number = Number(value.trim().replace(/%$/, ""));
  if (value.trim() === "" || !Number.isFinite(number)) throw new InvalidArgumentError("give a number, such as 10 or 2.5.");
  return number;
}

/** A positive number of seconds (`--for`). */
export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError("give a number of seconds above 0, such as 5 or 0.5.");
  return seconds;
}

/**
 * One `--where name=value[,value...]`, added to the selector of the flags
 * given before it (the flag repeats: a node must match every label named,
 * with any of its values).
 */
export function parseLabel(value: string, previous: LabelSelector | undefined): LabelSelector {
  const match = /^([^=]+)=(.+)$/.exec(value);
  const name = match?.[1]?.trim() ?? "";
  const values = (match?.[2] ?? "")
    .split(",")
    .map((one) => one.trim())
    .filter((one) => one !== "");
  if (match === null || name === "" || values.length === 0)
    throw new InvalidArgumentError("give a label as name=value or name=value1,value2, such as zone=eu-1,eu-2.");
  if (previous?.[name] !== undefined) throw new InvalidArgumentError(`label ${name} is given twice: give its values once, comma-separated (${name}=a,b).`);
  return { ...previous, [name]: values };
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A drain window: a duration such as `90s`, `30m`, `1h`, `500ms` or `2d`, in
 * ms, or `default` (the default window; not null, which commander would
 * take for a missing value).
 */
export function parseDrainWindow(value: string): number | "default" {
  const text = value.trim().toLowerCase();
  if (text === "default") return "default";
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)$/.exec(text);
  const ms = match === null ? Number.NaN : Number(match[1]) * (UNIT_MS[match[2] ?? ""] ?? Number.NaN);
  if (!Number.isSafeInteger(ms)) {
    throw new InvalidArgumentError("give a duration such as 90s, 30m, 1h or 500ms (a whole number of ms), or default for the default window.");
  }
  return ms;
}
