// README.md's own checks, beyond what docs.test.ts checks of every markdown
// file (samples type-check, commands, npm scripts, links): the quick start runs
// as it is, and the manifest and .proto excerpts match schemas/.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseManifest, type ManifestType } from "@twostep/core";
import { afterAll, describe, expect, test } from "vitest";
import { codeBlocks, root, sampleName, where } from "./markdown.js";

const samplesDir = join(root, "test/docs/.samples/readme");
const RUN_MARKER = "<!-- readme-test: run -->";
const blocks = codeBlocks("README.md");

describe("README.md quick start", () => {
  afterAll(() => rmSync(samplesDir, { recursive: true, force: true }));

  test("runs as it is, on the in-memory control plane", async () => {
    const marked = blocks.filter((block) => block.lang === "ts" && block.before === RUN_MARKER);
    expect(marked, `exactly one ts block preceded by ${RUN_MARKER}`).toHaveLength(1);
    const block = marked[0]!;
    // A first program a reader can run after `npm install`: public packages only.
    expect(block.code).not.toContain("@twostep/example-");
    expect(block.code).toContain("MemoryControlPlane");
    // Vitest's own loader compiles it (with the @twostep/source condition) and
    // evaluates it: its assertions throw, and so does anything it awaits.
    mkdirSync(samplesDir, { recursive: true });
    const path = join(samplesDir, sampleName(block));
    writeFileSync(path, block.code);
    await import(pathToFileURL(path).href);
  });
});

describe("README.md excerpts of schemas/", () => {
  const manifest = parseManifest(JSON.parse(readFileSync(join(root, "schemas/twostep.json"), "utf8")));

  test("every manifest type shown is valid and is the one in schemas/twostep.json", () => {
    const shown = blocks.filter((block) => block.lang === "json");
    expect(shown.length).toBeGreaterThanOrEqual(1);
    for (const block of shown) {
      const value = JSON.parse(block.code) as ManifestType;
      expect(() => parseManifest({ format: 1, types: [value] }), where(block)).not.toThrow();
      const actual = manifest.types.find((type) => type.name === value.name);
      expect(actual, `${where(block)}: ${value.name} in schemas/twostep.json`).toBeDefined();
      expect(parseManifest({ format: 1, types: [value] }).types[0], where(block)).toEqual(actual);
    }
  });

  test("every .proto shown is the file it names, verbatim", () => {
    const shown = blocks.filter((block) => block.lang === "proto");
    expect(shown.length).toBeGreaterThanOrEqual(1);
    for (const block of shown) {
      const [first, ...rest] = block.code.split("\n");
      const path = /^\/\/ (schemas\/\S+\.proto)$/.exec(first ?? "")?.[1];
      expect(path, `${where(block)} starts with // schemas/<file>.proto`).toBeDefined();
      expect(rest.join("\n").trim(), `${where(block)} vs ${path}`).toBe(readFileSync(join(root, path!), "utf8").trim());
    }
  });
});

describe("README.md guarantees", () => {
  /** Every test file of the repository, by its name, with its text. */
  const testFiles = new Map<string, string[]>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".test.ts") || entry.parentPath.includes("node_modules")) continue;
    testFiles.set(entry.name, [...(testFiles.get(entry.name) ?? []), readFileSync(join(entry.parentPath, entry.name), "utf8")]);
  }
  const section = readFileSync(join(root, "README.md"), "utf8").split("## What is guaranteed")[1]?.split("\n## ")[0] ?? "";
  const rows = section.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| situation") && !line.startsWith("| ---"));

  test("each row names tests that exist: the files it names, and a test or describe title starting with each quoted name", () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const row of rows) {
      const cell = row.split("|").at(-2) ?? "";
      const files = [...cell.matchAll(/`([\w.-]+\.test\.ts)`/g)].map((match) => match[1] as string);
      const titles = [...cell.matchAll(/"([^"]+)"/g)].map((match) => match[1] as string);
      expect(files.length + titles.length, `a test named in: ${row}`).toBeGreaterThan(0);
      for (const file of files) expect(testFiles.has(file), `${file} exists`).toBe(true);
      // A quoted name belongs to the file named before it in the cell, else to the fleet's safety regressions.
      const named = files.length > 0 ? files : ["safety-regressions.test.ts"];
      const texts = named.flatMap((file) => testFiles.get(file) ?? []);
      for (const title of titles) {
        const pattern = new RegExp(`(?:describe|test)(?:\\.each\\([^)]*\\))?\\(\\s*"${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
        expect(
          texts.some((text) => pattern.test(text)),
          `"${title}" is a test or describe title in ${named.join(", ")}`,
        ).toBe(true);
      }
    }
  });
});
