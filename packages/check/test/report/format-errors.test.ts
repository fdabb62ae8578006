import { join } from "node:path";
import { formatErrorAsGithubAnnotation, formatErrorAsJson, ManifestSourceError, ProtoParseError, UnknownRevisionError } from "@twostep/check";
import { describe, expect, it } from "vitest";

const cwd = join("/", "work", "repo");
const inWorkingTree = new ManifestSourceError({ file: "schemas/twostep.json", line: 3, side: "current" }, ["types.0.id: expected a number"]);
const atBase = new ManifestSourceError({ file: "schemas/twostep.json", line: 5, side: "previous", root: "origin/main:." }, ["format: expected 1"]);
const inDirectory = new ProtoParseError({ file: "shop/a.proto", line: 2, side: "current", root: join(cwd, "after") }, "unexpected token");
const unplaced = new UnknownRevisionError("origin/main", cwd);

describe("formatErrorAsJson", () => {
  it("places an error in the working tree relative to cwd, one at the base by its revision, and others by code only", () => {
    const parsed = (text: string) => JSON.parse(text) as { error: Record<string, unknown> };
    expect(parsed(formatErrorAsJson(inWorkingTree, { cwd }))).toEqual({
      error: { code: "INVALID_MANIFEST", file: "schemas/twostep.json", line: 3, side: "current", message: inWorkingTree.message },
    });
    expect(parsed(formatErrorAsJson(inDirectory, { cwd })).error).toMatchObject({ file: "after/shop/a.proto", line: 2 });
    expect(parsed(formatErrorAsJson(atBase, { cwd }))).toEqual({
      error: { code: "INVALID_MANIFEST", file: "schemas/twostep.json", line: 5, side: "previous", root: "origin/main:.", message: atBase.message },
    });
    expect(formatErrorAsJson(unplaced, { cwd })).toBe(`${JSON.stringify({ error: { code: "UNKNOWN_REVISION", message: unplaced.message } }, null, 2)}\n`);
  });
});

describe("formatErrorAsGithubAnnotation", () => {
  it("annotates a working-tree file at its line behind the path prefix, anything else on the run, with the message escaped", () => {
    expect(formatErrorAsGithubAnnotation(inWorkingTree, { cwd, pathPrefix: "services/" })).toBe(
      `::error file=services/schemas/twostep.json,line=3,title=INVALID_MANIFEST::${inWorkingTree.message.replaceAll("\n", "%0A")}\n`,
    );
    expect(formatErrorAsGithubAnnotation(atBase, { cwd })).toMatch(
      /^::error title=INVALID_MANIFEST::previous schema origin\/main:\.\/schemas\/twostep.json:5: /,
    );
    expect(formatErrorAsGithubAnnotation(unplaced, { cwd })).toMatch(/^::error title=UNKNOWN_REVISION::"origin\/main" names no commit [^\n]*\n$/);
  });
});
