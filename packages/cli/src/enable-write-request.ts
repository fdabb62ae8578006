import type { LabelSelector, Ramp, WriteLevelRequest } from "@twostep/fleet";

/** How an enable is asked for: `--percent`, `--by` and `--where` (or an apply file's `percent`, `by` and `where`). */
export interface EnableFlags {
  readonly percent?: number | undefined;
  readonly by?: Ramp["by"] | undefined;
  readonly where?: LabelSelector | undefined;
}

/** The `enable-write` request of `level`, leaving out what was not given so the coordinator's defaults apply. */
export function enableWriteRequest(level: number, flags: EnableFlags): WriteLevelRequest {
  return {
    kind: "enable-write",
    level,
    ...(flags.percent === undefined ? {} : { percent: flags.percent }),
    ...(flags.by === undefined ? {} : { by: flags.by }),
    ...(flags.where === undefined || Object.keys(flags.where).length === 0 ? {} : { where: flags.where }),
  };
}
