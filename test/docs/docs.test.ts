// README.md, CONTRIBUTING.md and docs/*.md cannot drift from the code: every ```ts sample
// type-checks with the project's tsc (all of them in one run), every ```json
// manifest parses with parseManifest, every apply file with the CLI's schema
// and every rollout plan with parseRolloutPlan, every `twostep` command line names a command and flags the built CLI
// has, every `npm run` names a script, and every relative link resolves.
// README.md's own extras (the quick start runs, excerpts of schemas/) are in
// readme.test.ts.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { parseApplyFile } from "@twostep/cli";
import { parseManifest } from "@twostep/core";
import { parseRolloutPlan } from "@twostep/fleet";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  brokenLinks,
  codeBlocks,
  inlineNpmCommands,
  markdownFiles,
  misplacedMarkers,
  npmProblems,
  npmRuns,
  root,
  sampleName,
  shellCommands,
  skipReason,
  twostepInvocations,
  twostepProblems,
  type CodeBlock,
  type TypecheckResult,
  typecheckSamples,
  where,
} from "./markdown.js";

const samplesDir = join(root, "test/docs/.samples/docs");
const blocks = new Map(markdownFiles.map((file) => [file, codeBlocks(file)] as const));
const all = [...blocks.values()].flat();
const tsBlocks = all.filter((block) => block.lang === "ts");
const checked = tsBlocks.filter((block) => skipReason(block) === undefined);

let typecheck: TypecheckResult;
beforeAll(async () => {
  typecheck = await typecheckSamples(samplesDir, checked);
}, 60_000);
afterAll(() => rmSync(samplesDir, { recursive: true, force: true }));

describe("all the docs together", () => {
  test("tsc checks every sample that is not skipped, and finds nothing wrong", () => {
    expect(checked.length).toBeGreaterThanOrEqual(10);
    const legend = checked.map((block) => `${sampleName(block)} is ${where(block)}`).join("\n");
    expect(typecheck.output, legend).toBe("");
    expect(typecheck.code).toBe(0);
  });

  test("no sample imports a private package (@twostep/example-*): a reader could not install it", () => {
    const privateImports = tsBlocks.filter((block) => /from "@twostep\/example-/.test(block.code)).map(where);
    expect(privateImports).toEqual([]);
  });

  test("skipping a type-check is rare", () => {
    expect(tsBlocks.length - checked.length).toBeLessThanOrEqual(2);
  });

  test("there are manifests, apply files, twostep commands and npm scripts to check", () => {
    const json = all.filter((block) => block.lang === "json").map(parseJsonBlock);
    expect(json.filter(({ value }) => isManifest(value)).length).toBeGreaterThanOrEqual(1);
    expect(json.filter(({ value }) => isApplyFile(value)).length).toBeGreaterThanOrEqual(1);
    expect(json.filter(({ value }) => isRolloutPlan(value)).length).toBeGreaterThanOrEqual(1);
    const commands = markdownFiles.flatMap((file) => shellCommands(file));
    expect(twostepInvocations(commands).length).toBeGreaterThanOrEqual(10);
    expect(npmRuns([...commands, ...markdownFiles.flatMap((file) => inlineNpmCommands(file))]).length).toBeGreaterThanOrEqual(3);
  });
});

describe.each(markdownFiles)("%s", (file) => {
  const fileBlocks = blocks.get(file) ?? [];
  const ts = fileBlocks.filter((block) => block.lang === "ts");

  test("every ```ts block is a module that type-checks, strict, or is skipped with a reason", () => {
    const problems: string[] = misplacedMarkers(file).map((marker) => `${marker}: not right before a ts block`);
    for (const block of ts) {
      const reason = skipReason(block);
      if (reason === undefined) {
        if (!/^(import|export) /m.test(block.code)) problems.push(`${where(block)}: not a module (no import or export)`);
        problems.push(...typecheck.diagnostics(block));
      } else if (reason === "") {
        problems.push(`${where(block)}: skip-typecheck without a reason`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("every ```json block is JSON; a manifest passes parseManifest, an apply file the CLI's schema, a rollout plan parseRolloutPlan", () => {
    const problems: string[] = [];
    for (const block of fileBlocks.filter((block) => block.lang === "json")) {
      const { value, error } = parseJsonBlock(block);
      if (error !== undefined) problems.push(`${where(block)}: not JSON: ${error}`);
      if (isManifest(value)) problems.push(...failure(block, () => parseManifest(value)));
      if (isApplyFile(value)) problems.push(...failure(block, () => parseApplyFile(block.code, where(block))));
      if (isRolloutPlan(value)) problems.push(...failure(block, () => parseRolloutPlan(value)));
    }
    expect(problems).toEqual([]);
  });

  test("every `twostep` command line names a command and flags the built CLI has (per its --help)", async () => {
    expect(await twostepProblems(twostepInvocations(shellCommands(file)))).toEqual([]);
  });

  test("every `npm run <script>` names a script of the root, or of the workspace -w names", () => {
    expect(npmProblems([...shellCommands(file), ...inlineNpmCommands(file)])).toEqual([]);
  });

  test("every relative link points to an existing file (and heading)", () => {
    expect(brokenLinks(file)).toEqual([]);
  });
});

/** A ```json block's value: one JSON document, or one per line (JSON lines). */
function parseJsonBlock(block: CodeBlock): { value: unknown; error?: string } {
  try {
    return { value: JSON.parse(block.code) };
  } catch (error) {
    const lines = block.code.split("\n").filter((line) => line.trim() !== "");
    try {
      if (lines.length > 1) return { value: lines.map((line) => JSON.parse(line) as unknown) };
    } catch {
      // Reported below, with the error of the whole block.
    }
    return { value: undefined, error: error instanceof Error ? error.message : String(error) };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A protocol manifest: it has a format and types (the CLI's JSON outputs have a format too, but no types). */
function isManifest(value: unknown): boolean {
  return isObject(value) && "format" in value && "types" in value;
}

/** A `twostep apply` file: it has levels. */
function isApplyFile(value: unknown): boolean {
  return isObject(value) && "levels" in value;
}

/** A rollout plan (`twostep rollout start --plan`): it has a target and steps. */
function isRolloutPlan(value: unknown): boolean {
  return isObject(value) && "target" in value && "steps" in value;
}

function failure(block: CodeBlock, parse: () => unknown): string[] {
  try {
    parse();
    return [];
  } catch (error) {
    return [`${where(block)}: ${error instanceof Error ? error.message : String(error)}`];
  }
}
