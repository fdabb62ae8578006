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
