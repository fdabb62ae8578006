import { Option } from "commander";
import type { ConnectionSetting } from "./control-plane-backend.js";
import { CONNECTION_SETTINGS, DEFAULT_BACKEND, flagOf, KNOWN_SCHEMES, SERVERS_SETTING, type Setting } from "./control-plane-backends.js";

// The connection flags as --help shows them: this module loads no @twostep package and builds no schema,
// so that `twostep --help` stays cheap. Resolving and opening a connection is `connection-options.ts`'s.

/** The environment variable that selects a context when `--context` does not. */
export const CONTEXT_ENV = "TWOSTEP_CONTEXT";

/** The control plane's address in examples. */
export const EXAMPLE_FLEET_URL = DEFAULT_BACKEND.exampleServer;

/** The flag of each setting, by its key. */
export type SettingFlags = { readonly [K in Setting["key"]]?: string };

/** The flags every command takes to reach the control plane: each setting's, and `--context`. */
export type ConnectionFlags = SettingFlags & { readonly context?: string };

/** A setting's flag, with its value and `description` (else the setting's own), as commander takes it. */
export function settingOption(setting: ConnectionSetting, description = setting.description): Option {
  return new Option(`${flagOf(setting)} ${setting.value}`, description);
}

/** The settings' flags as `twostep context add` takes them: without their environment variables. */
export function contextSettingOptions(): Option[] {
  return CONNECTION_SETTINGS.map((setting) => settingOption(setting));
}

/** `twostep context add`'s example settings: the first backend's server and a credential. */
export const EXAMPLE_CONTEXT_SETTINGS = `${flagOf(SERVERS_SETTING)} ${DEFAULT_BACKEND.exampleServer} ${DEFAULT_BACKEND.exampleContext}`;

/** The connection flags, in their own help group: every command that reads or changes the fleet takes them. */
export function connectionFlagOptions(): Option[] {
  return [
    ...CONNECTION_SETTINGS.map((setting) =>
      settingOption(setting, `${setting.description} (env: ${setting.env}${setting === SERVERS_SETTING ? `; default: ${DEFAULT_BACKEND.defaultServer}` : ""})`),
    ),
    new Option("--context <name>", `the named connection to use (env: ${CONTEXT_ENV}; default: the current one, see twostep context use)`),
  ].map((option) => option.helpGroup("Connection options:"));
}

/** `check --fleet URL`: the control plane of the live fleet, with the other settings of the environment. */
export function fleetUrlOption(): Option {
  const others = CONNECTION_SETTINGS.filter((setting) => setting !== SERVERS_SETTING).map((setting) => setting.env);
  return new Option(
    "--fleet <url>",
    `the control plane of the live fleet (${KNOWN_SCHEMES}): ` +
      `a raised write target must also be read by every member, and a version marked retired (or whose reader is dropped) be retired in the fleet (credentials, TLS and prefix: ${others.join(", ")})`,
  ).helpGroup("Connection options:");
}
