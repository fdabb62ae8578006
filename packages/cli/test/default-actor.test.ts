import { defaultActor, type ActorSources } from "@twostep/cli";
import { describe, expect, test } from "vitest";

const sources = (overrides: Partial<ActorSources> = {}): ActorSources => ({
  env: {},
  gitEmail: () => undefined,
  userName: () => "root",
  hostname: () => "build-7",
  ...overrides,
});

describe("the default --actor names a person or a CI job, not root", () => {
  test("in GitHub Actions: the user who started the job", () => {
    expect(defaultActor(sources({ env: { GITHUB_ACTOR: "octocat" }, gitEmail: () => "ci@example.com\n" }))).toBe("octocat");
  });

  test("else git's user.email", () => {
    expect(defaultActor(sources({ gitEmail: () => "ada@example.com\n" }))).toBe("ada@example.com");
  });

  test("else the OS user at the host, so that even root says where it ran", () => {
    expect(defaultActor(sources())).toBe("root@build-7");
    expect(defaultActor(sources({ userName: () => undefined, env: { USER: "deploy" } }))).toBe("deploy@build-7");
  });

  test("blank values count as none", () => {
    expect(defaultActor(sources({ env: { GITHUB_ACTOR: " " }, gitEmail: () => "\n" }))).toBe("root@build-7");
  });
});
