import { execFileSync } from "node:child_process";
import { hostname, userInfo } from "node:os";

/** Where {@link defaultActor} looks; each is read only when the ones before gave nothing. */
export interface ActorSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** git's `user.email` in the current directory, or undefined. */
  readonly gitEmail: () => string | undefined;
  /** The OS user name, or undefined when there is no passwd entry. */
  readonly userName: () => string | undefined;
  readonly hostname: () => string;
}

/**
 * Who changes the fleet when `--actor` is not given: the GitHub user who
 * started a CI job (`GITHUB_ACTOR`), else git's `user.email`, else the OS
 * user name at the host (`deploy@build-7`), so that even `root` in a
 * container says where it ran.
 */
export function defaultActor(sources: ActorSources = nodeActorSources()): string {
  const github = sources.env["GITHUB_ACTOR"]?.trim();
  if (github) return github;
  const email = sources.gitEmail()?.trim();
  if (email) return email;
  const user = sources.userName()?.trim() || sources.env["USER"] || sources.env["LOGNAME"] || "unknown";
  return `${user}@${sources.hostname()}`;
}

/** The sources of the running process: its environment, `git config user.email`, the OS. */
export function nodeActorSources(): ActorSources {
  return {
    env: process.env,
    gitEmail() {
      try {
        return execFileSync("git", ["config", "user.email"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 2_000 });
      } catch {
        // No git, no repository, or no user.email set.
        return undefined;
      }
    },
    userName() {
      try {
        return userInfo().username;
      } catch {
        // No passwd entry (a container with an arbitrary uid).
        return undefined;
      }
    },
    hostname,
  };
}
