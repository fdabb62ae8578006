import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { isTwostepError } from "@twostep/core";
import { CliErrorCode, ContextNotFoundError, InvalidContextError, UsageError } from "../cli-errors.js";
import { type ContextFile, contextFileText, parseContextFile } from "./context-file.js";

/** A context's name: a letter or digit, then letters, digits, `.`, `_` or `-`; at most 64 characters. */
const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The connection contexts of a configuration directory: one JSON file per
 * context in `twostep/contexts/<name>.json`, and the name of the current
 * one in `twostep/current-context`. Directories are made with mode 0700 and
 * files written whole (a temporary file renamed) with mode 0600: they may
 * hold secrets.
 */
export class ContextStore {
  readonly #root: string;

  /** `configHome` is the configuration directory, such as `~/.config`. */
  constructor(configHome: string) {
    this.#root = join(configHome, "twostep");
  }

  /** The store under `$XDG_CONFIG_HOME`, else `$HOME/.config`, of `env`; undefined when neither is set. */
  static of(env: Readonly<Record<string, string | undefined>>): ContextStore | undefined {
    const xdg = env["XDG_CONFIG_HOME"];
    // The XDG spec ignores a relative XDG_CONFIG_HOME.
    if (xdg !== undefined && isAbsolute(xdg)) return new ContextStore(xdg);
    const home = env["HOME"];
    return home === undefined || home === "" ? undefined : new ContextStore(join(home, ".config"));
  }

  /** {@link ContextStore.of}, or a `UsageError` saying which variables to set. */
  static required(env: Readonly<Record<string, string | undefined>>): ContextStore {
    const store = ContextStore.of(env);
    if (store === undefined) throw new UsageError("connection contexts live under $XDG_CONFIG_HOME/twostep or ~/.config/twostep: set XDG_CONFIG_HOME or HOME");
    return store;
  }

  /** Where context `name` is stored. */
  path(name: string): string {
    return join(this.#root, "contexts", `${checkedName(name)}.json`);
  }

  /**
   * Reads context `name`. `how` says where the name came from, for the
   * `ContextNotFoundError` when there is none; a file that cannot be parsed
   * throws the errors of `parseContextFile`.
   */
  async read(name: string, how?: string): Promise<ContextFile> {
    const path = this.path(name);
    return parseContextFile(await this.#text(path, name, how), name, path);
  }

  /** Context `name`, or undefined when there is none (one that cannot be parsed throws). */
  async find(name: string): Promise<ContextFile | undefined> {
    try {
      return await this.read(name);
    } catch (error) {
      if (isTwostepError(error, CliErrorCode.ContextNotFound)) return undefined;
      throw error;
    }
  }

  /** Writes context `name`, replacing the one of that name. */
  async write(name: string, file: ContextFile): Promise<void> {
    await this.#write(this.path(name), contextFileText(file));
  }

  /** The names of the stored contexts, sorted. */
  async names(): Promise<string[]> {
    const entries = await readdir(join(this.#root, "contexts")).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [];
      throw error;
    });
    return entries
      .filter((entry) => entry.endsWith(".json"))
      .map((entry) => entry.slice(0, -".json".length))
      .filter((name) => CONTEXT_NAME.test(name))
      .sort();
  }

  /** Removes context `name`; when it was the current one, none is current any more. */
  async remove(name: string): Promise<void> {
    const path = this.path(name);
    await this.#text(path, name);
    await rm(path);
    if ((await this.current()) === name) await rm(this.#currentPath(), { force: true });
  }

  /** The name of the current context (set by {@link ContextStore.use}), or undefined. */
  async current(): Promise<string | undefined> {
    try {
      const name = (await readFile(this.#currentPath(), "utf8")).trim();
      return name === "" ? undefined : name;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  /** Makes context `name` the current one. */
  async use(name: string): Promise<void> {
    await this.#write(this.#currentPath(), `${checkedName(name)}\n`);
  }

  #currentPath(): string {
    return join(this.#root, "current-context");
  }

  async #text(path: string, name: string, how?: string): Promise<string> {
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new ContextNotFoundError(name, how);
      throw new InvalidContextError(name, `cannot read ${path} (${code ?? String(error)}): check its permissions`, { cause: error });
    }
  }

  async #write(path: string, text: string): Promise<void> {
    await mkdir(join(this.#root, "contexts"), { recursive: true, mode: 0o700 });
    const temporary = `${path}.${process.pid}.tmp`;
    try {
      await writeFile(temporary, text, { mode: 0o600 });
      await chmod(temporary, 0o600);
      await rename(temporary, path);
    } finally {
      await rm(temporary, { force: true });
    }
  }
}

/** `name`, or a `UsageError` when it is no context name. */
function checkedName(name: string): string {
  if (!CONTEXT_NAME.test(name)) {
    throw new UsageError(`${JSON.stringify(name)} is no context name: give 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
  return name;
}
