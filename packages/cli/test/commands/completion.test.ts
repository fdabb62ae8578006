import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ExitCode } from "@twostep/cli";
import { describe, expect, test } from "vitest";
import { TestFleet } from "../support/memory-fleet.js";
import { useTempFiles } from "../support/temp-files.js";
import { runInProcess } from "../support/test-context.js";

// The completion scripts, run by the shells themselves (bash, zsh and fish, installed by .ci/run).

const files = useTempFiles();

/** The script `twostep completion <shell>` prints, saved to a file of the test's directory. */
async function script(shell: string): Promise<string> {
  const run = await runInProcess(["completion", shell], { plane: new TestFleet().plane });
  expect(run.code).toBe(ExitCode.Ok);
  expect(run.connections).toEqual([]);
  return files.file(`twostep.${shell}`, run.stdout);
}

/** What bash completes for the command line `words` (the last one being completed), with the script sourced, as bash-completion calls it. */
async function bashCompletes(file: string, words: readonly string[]): Promise<string[]> {
  const program = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _twostep; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await promisify(execFile)("bash", ["-c", program, "bash", file, ...words]);
  return stdout.split("\n").filter((line) => line !== "");
}

describe("bash", () => {
  test("completes a command from its first letters, and a group's subcommands", async () => {
    const file = await script("bash");
    expect(await bashCompletes(file, ["twostep", "ro"])).toEqual(["rollout"]);
    expect(await bashCompletes(file, ["twostep", "rollout", "st"])).toEqual(["start", "status"]);
    expect(await bashCompletes(file, ["twostep", "context", ""])).toEqual(["add", "list", "show", "use", "remove"]);
    const all = await bashCompletes(file, ["twostep", ""]);
    for (const command of ["status", "enable-write", "rollout", "context", "completion", "check", "generate"]) expect(all).toContain(command);
    expect(all).not.toContain("start");
  });

  test("completes a command's options, those of a subcommand, and the choices of an option or argument", async () => {
    const file = await script("bash");
    expect(await bashCompletes(file, ["twostep", "status", "--j"])).toEqual(["--json"]);
    expect(await bashCompletes(file, ["twostep", "status", "orders.OrderPlaced", "--tls"])).toEqual(["--tls-ca", "--tls-cert", "--tls-key"]);
    expect(await bashCompletes(file, ["twostep", "rollout", "start", "--pl"])).toEqual(["--plan"]);
    expect(await bashCompletes(file, ["twostep", "enable-write", "--y"])).toEqual(["--yes"]);
    expect(await bashCompletes(file, ["twostep", "plan", "orders.OrderPlaced", "2", "--by", ""])).toEqual(["key", "node"]);
    expect(await bashCompletes(file, ["twostep", "completion", ""])).toEqual(["bash", "zsh", "fish"]);
    // Options of other commands are not offered; a value without choices is left to bash's file names.
    expect(await bashCompletes(file, ["twostep", "status", "--pl"])).toEqual([]);
    expect(await bashCompletes(file, ["twostep", "status", "--tls-ca", ""])).toEqual([]);
  });

  test("registers _twostep for twostep, falling back to file names", async () => {
    const { stdout } = await promisify(execFile)("bash", ["-c", 'source "$1"; complete -p twostep', "bash", await script("bash")]);
    expect(stdout.trim()).toBe("complete -o default -F _twostep twostep");
  });
});

describe("zsh", () => {
  test("the script parses", async () => {
    await promisify(execFile)("zsh", ["-n", await script("zsh")]);
  });
});

describe("fish", () => {
  test("completes commands, subcommands and options, with their summaries", async () => {
    const file = await script("fish");
    const completes = async (line: string) => {
      const { stdout } = await promisify(execFile)("fish", ["--no-config", "-c", `source ${file}; complete -C '${line}'`], { cwd: files.dir() });
      return stdout.split("\n").filter((entry) => entry !== "");
    };
    expect(await completes("twostep ro")).toEqual([expect.stringMatching(/^rollout\trollout plans: start, status/)]);
    expect((await completes("twostep rollout st")).map((entry) => entry.split("\t")[0])).toEqual(["start", "status"]);
    expect((await completes("twostep status --j")).map((entry) => entry.split("\t")[0])).toEqual(["--json"]);
    expect((await completes("twostep plan o 2 --by ")).map((entry) => entry.split("\t")[0])).toEqual(["key", "node"]);
  });
});

test("every script names every command", async () => {
  const help = await runInProcess(["--help"], { plane: new TestFleet().plane });
  const commands = [...help.stdout.matchAll(/^ {2}([a-z-]+) /gm)].map(([, name]) => name!).filter((name) => name !== "help");
  expect(commands.length).toBeGreaterThan(20);
  for (const shell of ["bash", "zsh", "fish"]) {
    const run = await runInProcess(["completion", shell], { plane: new TestFleet().plane });
    for (const command of commands) expect(run.stdout, `${shell}: ${command}`).toContain(`'${command}'`);
  }
});
