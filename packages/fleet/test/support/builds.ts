import { defineMessageType, defineProtocol, type Protocol, type VersionDefinition, zodCodec } from "@twostep/core";
import { z } from "zod";

/** The shape of every test version: an id and the version it was written at. */
const payload = z.strictObject({ id: z.string(), v: z.number().int() });

function version(level: number): VersionDefinition {
  return {
    version: level,
    codec: zodCodec(payload),
    upgrade: (previous: z.output<typeof payload>) => ({ ...previous, v: level }),
    downgrade: (current: z.output<typeof payload>) => ({ ...current, v: level - 1 }),
  };
}

/** A protocol whose one type, `orders.OrderPlaced`, reads v`min`..v`max` and writes from `minWrite` (default `min`). */
export function protocolReading(min: number, max: number, options: { minWrite?: number } = {}): Protocol {
  const versions = Array.from({ length: max - min + 1 }, (_, index) => version(min + index));
  return defineProtocol({
    types: [defineMessageType({ name: "orders.OrderPlaced", id: 1, versions, ...options })],
  });
}

/** Builds used across fleet tests, by build id: what they read, and the lowest level they write. */
export const builds = {
  "b1-old": { min: 1, max: 1, minWrite: 1 },
  "b2-new": { min: 1, max: 2, minWrite: 1 },
  "b3-next": { min: 1, max: 3, minWrite: 1 },
  "b3-narrow": { min: 1, max: 3, minWrite: 2 },
  "b4-dropped-v1": { min: 2, max: 3, minWrite: 2 },
} as const;

/** A build id of {@link builds}. */
export type BuildId = keyof typeof builds;

/** The protocol of a build. */
export function protocolOf(build: BuildId): Protocol {
  const { min, max, minWrite } = builds[build];
  return protocolReading(min, max, { minWrite });
}

/** True when `build` reads `level`. */
export function reads(build: BuildId, level: number): boolean {
  return level >= builds[build].min && level <= builds[build].max;
}
