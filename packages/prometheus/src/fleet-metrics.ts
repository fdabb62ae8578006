import type { Coordinator, FleetStatus, MemberState, RolloutRecord, Rollouts, RolloutState, Verdict } from "@twostep/fleet";
import { register, type Registry } from "prom-client";
import { MetricsRegisteredError } from "./metrics-error.js";
import { type GaugeSamples, sampleCollector, scrapeGauges } from "./scrape-gauges.js";

/** The metrics of a coordinator or controller process. */
export interface FleetMetrics {
  /** The registry the metrics are in: serve it (`serveMetrics`) or merge it into the process's own. */
  readonly registry: Registry;
}

// Every state and verdict gets a series (0 or 1), so that a query for one that does not hold finds a 0, not nothing.
const MEMBER_STATES: readonly MemberState[] = ["starting", "live", "stale", "expired"];
const ROLLOUT_STATES: readonly RolloutState[] = ["running", "holding", "paused", "failed", "aborted", "done"];
const VERDICTS: readonly Verdict[] = ["pass", "fail", "inconclusive"];

const fleetGauges = {
  twostep_fleet_members: { help: "Members of the fleet by state: starting, live, stale, expired.", labelNames: ["state"] },
  twostep_fleet_store_regressed: {
    help: "1 while the control plane's store shows it went backwards (changes wait for twostep reconcile), else 0.",
    labelNames: [],
  },
  twostep_fleet_unreadable_records: { help: "Records of the control plane that cannot be read.", labelNames: [] },
  twostep_fleet_readers: { help: "Members whose build reads each level of each capability.", labelNames: ["capability", "level"] },
  twostep_fleet_capability_members: {
    help: "Members taking part in each capability (what readers and convergence count against).",
    labelNames: ["capability"],
  },
  twostep_fleet_applied_members: {
    help: "Members taking part that are live and applied the capability's current record revision.",
    labelNames: ["capability"],
  },
  twostep_fleet_next_level_blockers: { help: "Members that keep the next level of each capability from being enabled.", labelNames: ["capability", "level"] },
  twostep_fleet_record_revision: { help: "The revision of each capability's write-level record.", labelNames: ["capability"] },
  twostep_fleet_write_level: { help: "The write level of each capability; absent while none is written.", labelNames: ["capability"] },
  twostep_fleet_ramp_level: { help: "The level a ramp writes; absent without a ramp.", labelNames: ["capability"] },
  twostep_fleet_ramp_ratio: { help: "The share of the selected writers' writes at the ramp level, 0 to 1; absent without a ramp.", labelNames: ["capability"] },
  twostep_rollout_state: { help: "1 for the state each capability's rollout is in, 0 for the others.", labelNames: ["capability", "state"] },
  twostep_rollout_step: { help: "The step of each rollout in force or being applied, counted from 1.", labelNames: ["capability"] },
  twostep_rollout_steps: { help: "How many steps each rollout plan has.", labelNames: ["capability"] },
  twostep_rollout_target_level: { help: "The level each rollout rolls out.", labelNames: ["capability"] },
  twostep_rollout_gate_verdict: {
    help: "1 for each gate's last verdict (pass, fail, inconclusive), 0 for the others.",
    labelNames: ["capability", "gate", "verdict"],
  },
} as const;

type FleetGauge = keyof typeof fleetGauges;

/**
 * Prometheus metrics of a coordinator or rollout controller process, in
 * `registry` (defaults to prom-client's global registry): readers per level,
 * blockers of the next level, members by state, convergence, write levels
 * and ramps, rollout state, step and gate verdicts. All are gauges read at
 * scrape time with one `coordinator.status()` and one `rollouts.list()` per
 * scrape, whatever the number of gauges; a read that fails fails the scrape.
 * Metric names and labels are listed in docs/rollouts.md. Throws
 * {@link MetricsRegisteredError} when the registry holds them already.
 */
export function fleetMetrics(coordinator: Pick<Coordinator, "status">, rollouts: Pick<Rollouts, "list">, registry: Registry = register): FleetMetrics {
  if (registry.getSingleMetric("twostep_fleet_members") !== undefined) throw new MetricsRegisteredError("twostep_fleet_members", "fleetMetrics");
  scrapeGauges(registry, fleetGauges, async () => {
    const [status, stored] = await Promise.all([coordinator.status(), rollouts.list()]);
    return { ...statusSamples(status), ...rolloutSamples(stored.rollouts.map((each) => each.rollout)) };
  });
  return { registry };
}

function statusSamples(status: FleetStatus): GaugeSamples<FleetGauge> {
  const samples = sampleCollector<FleetGauge>();
  for (const state of MEMBER_STATES) samples.add("twostep_fleet_members", { state }, status.members.filter((member) => member.state === state).length);
  samples.add("twostep_fleet_store_regressed", {}, status.plane.regressed.length > 0 ? 1 : 0);
  samples.add("twostep_fleet_unreadable_records", {}, status.plane.unreadable.length);
  for (const each of status.capabilities) {
    const capability = { capability: each.capability };
    for (const [level, readers] of Object.entries(each.readers)) samples.add("twostep_fleet_readers", { ...capability, level }, readers);
    samples.add("twostep_fleet_capability_members", capability, each.convergence.of);
    samples.add("twostep_fleet_applied_members", capability, each.convergence.applied);
    if (each.next !== null) samples.add("twostep_fleet_next_level_blockers", { ...capability, level: each.next }, each.blockers.length);
    samples.add("twostep_fleet_record_revision", capability, each.revision);
    const record = each.record;
    if (record?.level !== null && record?.level !== undefined) samples.add("twostep_fleet_write_level", capability, record.level);
    if (record?.ramp !== null && record?.ramp !== undefined) {
      samples.add("twostep_fleet_ramp_level", capability, record.ramp.to);
      samples.add("twostep_fleet_ramp_ratio", capability, record.ramp.percent / 100);
    }
  }
  return samples.values;
}

function rolloutSamples(rollouts: readonly RolloutRecord[]): GaugeSamples<FleetGauge> {
  const samples = sampleCollector<FleetGauge>();
  for (const rollout of rollouts) {
    const capability = { capability: rollout.capability };
    for (const state of ROLLOUT_STATES) samples.add("twostep_rollout_state", { ...capability, state }, rollout.state === state ? 1 : 0);
    samples.add("twostep_rollout_step", capability, rollout.step + 1);
    samples.add("twostep_rollout_steps", capability, rollout.steps.length);
    samples.add("twostep_rollout_target_level", capability, rollout.target);
    for (const result of rollout.results)
      for (const verdict of VERDICTS)
        samples.add("twostep_rollout_gate_verdict", { ...capability, gate: result.name, verdict }, result.verdict === verdict ? 1 : 0);
  }
  return samples.values;
}
