import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseRolloutPlan, type RolloutPlan } from "@twostep/fleet";
import type { CliContext } from "../../../cli-context.js";
import { UsageError } from "../../../cli-errors.js";
import type { ExitCode } from "../../../exit-code.js";
import { type RolloutOptions, rolloutStartMutation } from "../../../rollout-mutation.js";
import { runMutation } from "../../../run-mutation.js";
import { parseJsonText } from "../../../parse-json-text.js";

/** Options of {@link rolloutStart}. */
export interface RolloutStartOptions extends RolloutOptions {
  /** The plan file, relative to the working directory. */
  readonly plan: string;
}

/**
 * `twostep rollout start <capability> --plan FILE`: starts a rollout plan
 * (docs/rollouts.md), which a controller then advances step by step. The
 * plan is read and checked before anything connects (exit 2 when it cannot
 * be read or is not valid); the preview shows it, every default filled in,
 * and the coordinator's dry run of its first step. Refused (exit 1, with
 * the blockers) while that step would be, and (exit 2) while another
 * rollout of the capability is under way.
 */
export async function rolloutStart(options: RolloutStartOptions, context: CliContext): Promise<ExitCode> {
  const plan = await readRolloutPlan(options.plan, context.cwd);
  return runMutation(options, context, rolloutStartMutation(options.capability, plan));
}

/** Reads and checks a plan file: a file that cannot be read or is no JSON is a usage error; a plan that is not valid, `INVALID_REQUEST` with every problem. */
async function readRolloutPlan(file: string, cwd: string): Promise<RolloutPlan> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new UsageError(`cannot read the plan ${file} (${reason}): check the path given to --plan`);
  }
  return parseRolloutPlan(parseJsonText(text, (reason) => new UsageError(`the plan ${file} is not JSON: ${reason} (the format is in docs/rollouts.md)`)));
}
