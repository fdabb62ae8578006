// The files that configure a check: twostep-check.yaml (breaking changes
// accepted on purpose) and buf's buf.yaml / buf.work.yaml (module roots).
export { CHECK_CONFIG_FILE, parseCheckConfig } from "./read-check-config.js";
export { dropIgnored } from "./ignore-rule.js";
export { readBufWorkspace } from "./read-buf-workspace.js";
export { readOptional } from "./read-optional.js";

export type { IgnoreRule } from "./ignore-rule.js";
export type { BufWorkspace, ProtoModule } from "./read-buf-workspace.js";
