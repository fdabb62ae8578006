import type { EnableOptions, Ramp } from "@twostep/fleet";

/** The ramp of `--percent`/`--by` (or an apply file's `percent`/`by`), leaving out what was not given so the coordinator's defaults apply. */
export function rampOptions(given: { readonly percent?: number | undefined; readonly by?: Ramp["by"] | undefined }): Pick<EnableOptions, "percent" | "by"> {
  return { ...(given.percent === undefined ? {} : { percent: given.percent }), ...(given.by === undefined ? {} : { by: given.by }) };
}
