// The README and docs cannot drift from the code: every TypeScript sample in
// README.md type-checks (and the quick start runs), every `twostep` command line
// names a command and flags the built CLI has, manifest and .proto excerpts match
// schemas/, and every relative link in README.md and docs/*.md resolves.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { parseManifest, type ManifestType } from "@twostep/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const samplesDir = join(root, "test/docs/.samples");
const readme = readFileSync(join(root, "README.md"), "utf8");
const RUN_MARKER = "<!-- readme-test: run -->";

interface CodeBlock {
  readonly lang: string;
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The last non-blank line before the fence. */
  readonly before: string;
}

/** The fenced code blocks of a markdown text, indented ones (in list items) included. */
function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^( *)```(\S*)\s*$/.exec(lines[index] ?? "");
    if (open === null) continue;
    const indent = open[1]?.length ?? 0;
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !/^ *```\s*$/.test(lines[end] ?? "")) body.push((lines[end] ?? "").slice(indent)), end++;
    if (end === lines.length) throw new Error(`unclosed code block at line ${index + 1}`);
    const before = lines.slice(0, index).reverse().find((line) => line.trim() !== "") ?? "";
    blocks.push({ lang: open[2] ?? "", code: `${body.join("\n")}\n`, line: index + 1, before: before.trim() });
    index = end;
  }
  return blocks;
}

const blocks = codeBlocks(readme);
const tsBlocks = blocks.filter((block) => block.lang === "ts");

describe("README.md TypeScript samples", () => {
  beforeAll(() => {
    rmSync(samplesDir, { recursive: true, force: true });
    mkdirSync(samplesDir, { recursive: true });
    tsBlocks.forEach((block, index) => writeFileSync(join(samplesDir, sampleName(block, index)), block.code));
    writeFileSync(
      join(samplesDir, "tsconfig.json"),
      JSON.stringify({
        extends: "../../../tsconfig.base.json",
        compilerOptions: {
          composite: false,
          declaration: false,
          declarationMap: false,
          noEmit: true,
          types: ["node"],
          customConditions: ["@twostep/source"],
        },
        include: ["*.ts"],
      }),
    );
  });
  afterAll(() => rmSync(samplesDir, { recursive: true, force: true }));

  test("there are samples, each a module", () => {
    expect(tsBlocks.length).toBeGreaterThanOrEqual(2);
    for (const block of tsBlocks) expect(block.code, `block at README.md:${block.line}`).toMatch(/^(import|export) /m);
  });

  test("every sample type-checks with the project's tsc, strict", async () => {
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    const result = await run(process.execPath, [tsc, "--noEmit", "-p", join(samplesDir, "tsconfig.json")], { cwd: root }).then(
      () => ({ code: 0, output: "" }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, output: `${error.stdout ?? ""}${error.stderr ?? ""}` }),
    );
    // Name the README line of each sample, so a failure points at the README.
    const legend = tsBlocks.map((block, index) => `${sampleName(block, index)} is README.md:${block.line}`).join("\n");
    expect(result.output, legend).toBe("");
    expect(result.code).toBe(0);
  });

  test("the quick start runs as it is, on the in-memory control plane", async () => {
    const marked = tsBlocks.flatMap((block, index) => (block.before === RUN_MARKER ? [{ block, index }] : []));
    expect(marked, `exactly one ts block preceded by ${RUN_MARKER}`).toHaveLength(1);
    const { block, index } = marked[0]!;
    expect(block.code).toContain("@twostep/example-shop");
    expect(block.code).toContain("MemoryControlPlane");
    // Vitest's own loader compiles it (with the @twostep/source condition) and
    // evaluates it: its assertions throw, and so does anything it awaits.
    await import(pathToFileURL(join(samplesDir, sampleName(block, index))).href);
  });
});

function sampleName(block: CodeBlock, index: number): string {
  return `sample-${index + 1}-line-${block.line}.ts`;
}

describe("README.md excerpts of schemas/", () => {
  const manifest = parseManifest(JSON.parse(readFileSync(join(root, "schemas/twostep.json"), "utf8")));

  test("every manifest type shown is valid and is the one in schemas/twostep.json", () => {
    const shown = blocks.filter((block) => block.lang === "json");
    expect(shown.length).toBeGreaterThanOrEqual(1);
    for (const block of shown) {
      const value = JSON.parse(block.code) as ManifestType;
      expect(() => parseManifest({ format: 1, types: [value] }), `README.md:${block.line}`).not.toThrow();
      const actual = manifest.types.find((type) => type.name === value.name);
      expect(actual, `README.md:${block.line}: ${value.name} in schemas/twostep.json`).toBeDefined();
      expect(parseManifest({ format: 1, types: [value] }).types[0], `README.md:${block.line}`).toEqual(actual);
    }
  });

  test("every .proto shown is the file it names, verbatim", () => {
    const shown = blocks.filter((block) => block.lang === "proto");
    expect(shown.length).toBeGreaterThanOrEqual(1);
    for (const block of shown) {
      const [first, ...rest] = block.code.split("\n");
      const path = /^\/\/ (schemas\/\S+\.proto)$/.exec(first ?? "")?.[1];
      expect(path, `README.md:${block.line} starts with // schemas/<file>.proto`).toBeDefined();
      expect(rest.join("\n").trim(), `README.md:${block.line} vs ${path}`).toBe(readFileSync(join(root, path!), "utf8").trim());
    }
  });
});

/** The `twostep ...` and `npm ...` commands of the README's sh blocks, split on `&&`, comments and quoted text removed. */
function shellCommands(markdown: string): { line: string; words: string[] }[] {
  return codeBlocks(markdown)
    .filter((block) => block.lang === "sh")
    .flatMap((block) => block.code.split("\n"))
    .flatMap((line) =>
      line
        .replace(/"[^"]*"|'[^']*'/g, "ARG")
        .replace(/(^|\s)#.*$/, "")
        .split("&&")
        .map((part) => ({ line: line.trim(), words: part.trim().split(/\s+/).filter((word) => word !== "") })),
    )
    .filter(({ words }) => words.length > 0);
}

describe("README.md commands", () => {
  const commands = shellCommands(readme);
  const twostep = commands.flatMap(({ line, words }) => {
    const start = words[0] === "npx" && words[1] === "twostep" ? 2 : words[0] === "twostep" ? 1 : -1;
    return start < 0 ? [] : [{ line, command: words[start] ?? "", flags: words.slice(start + 1).filter((word) => word.startsWith("-")).map((flag) => flag.split("=")[0]!) }];
  });

  test("every `twostep <command>` line uses a command and flags the built CLI has (per its --help)", async () => {
    expect(twostep.length).toBeGreaterThanOrEqual(5);
    const bin = join(root, "packages/cli/bin/twostep.js");
    expect(existsSync(join(root, "packages/cli/dist/bin.js")), "the CLI is built (npx tsc -b)").toBe(true);
    const names = [...new Set(twostep.map(({ command }) => command))];
    const helps = new Map(
      await Promise.all(
        names.map(async (name) => {
          const { stdout } = await run(process.execPath, [bin, name, "--help"], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
          return [name, stdout] as const;
        }),
      ),
    );
    const problems: string[] = [];
    for (const { line, command, flags } of twostep) {
      const help = helps.get(command) ?? "";
      // An unknown command prints the general help, whose usage is `twostep <command>`.
      if (!new RegExp(`Usage:\\s+twostep ${escape(command)}(\\s|$)`).test(help)) {
        problems.push(`${line}: no command "${command}"`);
        continue;
      }
      for (const flag of flags) {
        if (!new RegExp(`(?<![\\w-])${escape(flag)}(?![\\w-])`).test(help)) problems.push(`${line}: "${command}" has no ${flag}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("every `npm run <script>` and `npm test` names a root script", () => {
    const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const npm = commands.filter(({ words }) => words[0] === "npm" && (words[1] === "run" || words[1] === "test"));
    expect(npm.length).toBeGreaterThanOrEqual(2);
    const missing = npm.map(({ words }) => (words[1] === "test" ? "test" : (words[2] ?? ""))).filter((script) => scripts[script] === undefined);
    expect(missing).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("links in README.md and docs/*.md", () => {
  const files = ["README.md", ...readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];

  test.each(files)("every relative link of %s points to an existing file (and heading)", (file) => {
    const markdown = readFileSync(join(root, file), "utf8");
    const links = [...withoutCode(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1] ?? "");
    const relativeLinks = links.filter((link) => !/^[a-z][a-z+.-]*:/i.test(link));
    if (file === "README.md") expect(relativeLinks.length).toBeGreaterThanOrEqual(10);
    const broken: string[] = [];
    for (const link of relativeLinks) {
      const [path = "", anchor] = link.split("#");
      const target = path === "" ? join(root, file) : resolve(dirname(join(root, file)), decodeURI(path));
      if (!existsSync(target)) {
        broken.push(`${link}: no ${relative(root, target)}`);
      } else if (anchor !== undefined && target.endsWith(".md") && !headingSlugs(readFileSync(target, "utf8")).has(anchor)) {
        broken.push(`${link}: no heading #${anchor} in ${relative(root, target)}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

function withoutFences(markdown: string): string {
  return markdown.replace(/^ *```[\s\S]*?^ *```\s*$/gm, "");
}

function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchors of a markdown file's headings. */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  for (const match of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = (match[1] ?? "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    let slug = base;
    for (let n = 1; slugs.has(slug); n++) slug = `${base}-${n}`;
    slugs.add(slug);
  }
  return slugs;
}
