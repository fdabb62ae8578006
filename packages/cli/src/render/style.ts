import picocolors from "picocolors";
import type { OutputStream } from "../cli-context.js";

/** The colours a view paints with: real ones on a terminal, identity functions elsewhere. */
export type Style = ReturnType<typeof picocolors.createColors>;

/** Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org). */
export function styleFor(stream: OutputStream, env: Readonly<Record<string, string | undefined>>): Style {
  const noColor = env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "";
  return picocolors.createColors(stream.isTTY && !noColor);
}

/** A style that paints nothing: for tests and plain text. */
export const plain: Style = picocolors.createColors(false);
