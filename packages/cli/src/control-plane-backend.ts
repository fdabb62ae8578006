import type { ControlPlane } from "@twostep/fleet";
import type { ConnectionOptions } from "./connection-options.js";

/** What a connection setting holds: the server URLs, a file's path, a secret (masked when a context is shown), or text. */
export type SettingKind = "url" | "file" | "secret" | "text";

/**
 * One setting of a backend's connection. Its key names it everywhere: the
 * flag is the key in kebab case (`tlsCa` is `--tls-ca`), and a context file
 * and `ConnectionOptions` hold it under the key itself.
 */
export interface ConnectionSetting {
  readonly key: string;
  /** The flag's value in --help: `<file>`. */
  readonly value: string;
  /** The environment variable that gives it when the flag does not. */
  readonly env: string;
  readonly kind: SettingKind;
  /** What it is, in the backend's words, for --help. */
  readonly description: string;
}

/**
 * A control-plane backend the CLI connects to, registered in
 * `control-plane-backends.ts` and chosen by the scheme of the server URLs. Its
 * wording stays in its registration: the rest of the CLI sees settings and
 * a `ControlPlane`.
 */
export interface ControlPlaneBackend {
  /** Its name, in messages. */
  readonly name: string;
  /** The URL schemes it serves, without `://`. */
  readonly schemes: readonly string[];
  /** Its settings: exactly one of kind `url`, which gives the servers (comma-separated). */
  readonly settings: readonly ConnectionSetting[];
  /** The server when none is given. */
  readonly defaultServer: string;
  /** A server address for examples. */
  readonly exampleServer: string;
  /** The settings of a `twostep context add` example, after the server's flag and address. */
  readonly exampleContext: string;
  /** Opens the control plane, loading the backend's package only now. */
  connect(options: ConnectionOptions): Promise<ControlPlane>;
}
