export { comparableMessage, comparableValue, protobufArbitrary, scalarArbitrary, versionArbitrary, zodArbitrary } from "./arbitraries/index.js";
export { SUITE_STEPS, upgradeDowngradeSuite } from "./rollout/upgrade-downgrade-suite.js";
export { runSplitWorld, splitWorldProperty, splitWorldScenarioArbitrary } from "./rollout/split-world-property.js";
export { RolloutCheckError, TestkitErrorCode, UnsupportedSchemaError } from "./testkit-errors.js";

export type { MessageValue, ProtobufArbitraryOptions, VersionArbitraryOptions, ZodArbitraryOptions } from "./arbitraries/index.js";
export type { StepContext, StepReport, SuiteReport, SuiteStep, UpgradeDowngradeOptions } from "./rollout/upgrade-downgrade-suite.js";
export type { SplitWorldCommand, SplitWorldOptions, SplitWorldOutcome, SplitWorldRefusal, SplitWorldScenario } from "./rollout/split-world-property.js";
export type { SimulationOptions } from "./rollout/simulated-fleet.js";
export type { Build, Delivery, SimulatedNode } from "./rollout/traffic.js";
export type { ArbitraryOverride } from "./rollout/value-source.js";
export type { RolloutFailure, RolloutFailureKind } from "./testkit-errors.js";
