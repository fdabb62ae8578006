// What the docs tests share: reading the fenced code blocks of a markdown file,
// type-checking its TypeScript samples with the project's tsc, checking its
// command lines against the built CLI's --help and the npm scripts, and
// resolving its relative links.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository's root. */
export const root = fileURLToPath(new URL("../..", import.meta.url));

/** README.md, CONTRIBUTING.md and every docs/*.md, relative to the root. */
export const markdownFiles: readonly string[] = [
  "README.md",
  "CONTRIBUTING.md",
  ...readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`),
  // What npm shows of each package: its README, packed with it.
  ...readdirSync(join(root, "packages"))
    .filter((name) => existsSync(join(root, "packages", name, "README.md")))
    .sort()
    .map((name) => `packages/${name}/README.md`),
];

/** Put right before a ```ts block that cannot compile on its own: `<!-- docs-test: skip-typecheck why -->`. */
export const SKIP_TYPECHECK = /^<!--\s*docs-test:\s*skip-typecheck\b\s*(.*?)\s*-->$/;

export interface CodeBlock {
  /** The markdown file, relative to the root. */
  readonly file: string;
  readonly lang: string;
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The last non-blank line before the fence. */
  readonly before: string;
}

/** `file:line` of a block, for failure messages. */
export function where(block: CodeBlock): string {
  return `${block.file}:${block.line}`;
}

export function readMarkdown(file: string): string {
  return readFileSync(join(root, file), "utf8");
}

/** The fenced code blocks of a markdown text, indented ones (in list items) included. */
export function codeBlocks(file: string, markdown: string = readMarkdown(file)): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^( *)```(\S*)\s*$/.exec(lines[index] ?? "");
    if (open === null) continue;
    const indent = open[1]?.length ?? 0;
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !/^ *```\s*$/.test(lines[end] ?? "")) {
      body.push((lines[end] ?? "").slice(indent));
      end++;
    }
    if (end === lines.length) throw new Error(`${file}: unclosed code block at line ${index + 1}`);
    const before =
      lines
        .slice(0, index)
        .reverse()
        .find((line) => line.trim() !== "") ?? "";
    blocks.push({ file, lang: open[2] ?? "", code: `${body.join("\n")}\n`, line: index + 1, before: before.trim() });
    index = end;
  }
  return blocks;
}

/** The skip marker before a ts block: its reason ("" when it gives none), or undefined when there is no marker. */
export function skipReason(block: CodeBlock): string | undefined {
  return SKIP_TYPECHECK.exec(block.before)?.[1];
}

/** Every `docs-test:` comment of a markdown text that is not a well-formed skip marker right before a ```ts block. */
export function misplacedMarkers(file: string, markdown: string = readMarkdown(file)): string[] {
  const attached = new Set(
    codeBlocks(file, markdown)
      .filter((block) => block.lang === "ts" && skipReason(block) !== undefined)
      .map((block) => block.before),
  );
  return markdown
    .split("\n")
    .map((line, index) => ({ line: line.trim(), at: `${file}:${index + 1}` }))
    .filter(({ line }) => line.includes("docs-test:") && !attached.has(line))
    .map(({ line, at }) => `${at}: ${line}`);
}

/** The file a ts sample is written to: `docs-nats-377.ts` for the block at docs/nats.md:377. */
export function sampleName(block: CodeBlock): string {
  return `${block.file.replace(/\.md$/, "").replace(/[^\w]+/g, "-")}-${block.line}.ts`;
}

export interface TypecheckResult {
  readonly code: number;
  /** tsc's diagnostics, one per line. */
  readonly output: string;
  /** The diagnostics about one sample. */
  readonly diagnostics: (block: CodeBlock) => string[];
}

/**
 * The service's own modules that samples import (`./shop-protocol.js`, the
 * generated types...), standing in for a reader's code: here they are the
 * repository's examples, which a sample never imports by their private
 * package names.
 */
export const serviceModules: Readonly<Record<string, string>> = {
  "shop-protocol.ts": 'export * from "@twostep/example-shop";\n',
  "customer-updated.ts": 'export { CustomerUpdatedV1, CustomerUpdatedV2, downgradeCustomerUpdated, upgradeCustomerUpdated } from "@twostep/example-shop";\n',
  "order-placed.ts": 'export { downgradeOrderPlaced, upgradeOrderPlaced } from "@twostep/example-shop";\n',
  "generated/shop-protocol.ts": 'export type * from "@twostep/example-shop";\n',
  "protocol-as-of.ts": 'export { protocolAsOf } from "@twostep/example-testkit";\n',
};

/**
 * Writes the samples to `dir` (emptied first) with a tsconfig that extends the
 * project's, strict (unused locals and parameters allowed), and runs the
 * project's tsc over all of them at once.
 */
export async function typecheckSamples(dir: string, samples: readonly CodeBlock[]): Promise<TypecheckResult> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const block of samples) writeFileSync(join(dir, sampleName(block)), block.code);
  for (const [path, code] of Object.entries(serviceModules)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), code);
  }
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: relative(dir, join(root, "tsconfig.base.json")),
      compilerOptions: {
        composite: false,
        declaration: false,
        declarationMap: false,
        noEmit: true,
        types: ["node"],
        customConditions: ["@twostep/source"],
        // A sample declares what the reader goes on to use: unused locals are its point, not dead code.
        noUnusedLocals: false,
        noUnusedParameters: false,
      },
      include: ["*.ts"],
    }),
  );
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  const result = await run(process.execPath, [tsc, "--noEmit", "--pretty", "false", "-p", join(dir, "tsconfig.json")], { cwd: root }).then(
    () => ({ code: 0, output: "" }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, output: `${error.stdout ?? ""}${error.stderr ?? ""}` }),
  );
  const lines = result.output.split("\n").filter((line) => line.trim() !== "");
  return {
    ...result,
    diagnostics: (block) => {
      const name = sampleName(block);
      return lines.filter((line) => line.includes(name)).map((line) => line.replace(/^\S*?([\w-]+\.ts)/, `${where(block)} ($1)`));
    },
  };
}

export interface ShellCommand {
  /** The block (or inline code) it comes from. */
  readonly at: string;
  /** The command line as written. */
  readonly line: string;
  /** Its words: quoted text is one word `ARG`, comments are gone. */
  readonly words: readonly string[];
}

/**
 * The commands of the ```sh and ```console blocks of a markdown text, split on
 * `&&`, comments and quoted text removed. In ```console blocks only the lines
 * after a `$ ` prompt are commands; the rest is their output.
 */
export function shellCommands(file: string, markdown: string = readMarkdown(file)): ShellCommand[] {
  return codeBlocks(file, markdown)
    .filter((block) => block.lang === "sh" || block.lang === "console")
    .flatMap((block) =>
      block.code.split("\n").flatMap((line, index) => {
        if (block.lang === "sh") return [{ at: `${file}:${block.line + 1 + index}`, line }];
        const prompt = /^\$ (.*)$/.exec(line);
        return prompt === null ? [] : [{ at: `${file}:${block.line + 1 + index}`, line: prompt[1] ?? "" }];
      }),
    )
    .flatMap(({ at, line }) => splitCommandLine(at, line));
}

/** The `npm run X` (and `npm test`) of the inline code spans of a markdown text, outside fenced blocks. */
export function inlineNpmCommands(file: string, markdown: string = readMarkdown(file)): ShellCommand[] {
  return [...withoutFences(markdown).matchAll(/`(npm (?:run|test)\b[^`\n]*)`/g)].flatMap((match) => splitCommandLine(`${file} (inline)`, match[1] ?? ""));
}

function splitCommandLine(at: string, line: string): ShellCommand[] {
  return line
    .replace(/"[^"]*"|'[^']*'/g, "ARG")
    .replace(/(^|\s)#.*$/, "")
    .split("&&")
    .map((part) => ({
      at,
      line: line.trim(),
      words: part
        .trim()
        .split(/\s+/)
        .filter((word) => word !== ""),
    }))
    .filter(({ words }) => words.length > 0);
}

export interface TwostepInvocation {
  readonly at: string;
  readonly line: string;
  /** The command, or "" for `twostep --help` and the like. */
  readonly command: string;
  /** The first word after the command that is no flag: the subcommand of a command that has them (`rollout start`). */
  readonly next: string | undefined;
  /** Its flags, without their `=value`. */
  readonly flags: readonly string[];
}

/** The `twostep ...` and `npx twostep ...` commands among these. */
export function twostepInvocations(commands: readonly ShellCommand[]): TwostepInvocation[] {
  return commands.flatMap(({ at, line, words }) => {
    const start = words[0] === "npx" && words[1] === "twostep" ? 2 : words[0] === "twostep" ? 1 : -1;
    if (start < 0) return [];
    const first = words[start] ?? "";
    const command = first.startsWith("-") ? "" : first;
    const rest = words.slice(command === "" ? start : start + 1);
    const next = command === "" || rest[0]?.startsWith("-") === true ? undefined : rest[0];
    return [{ at, line, command, next, flags: rest.filter((word) => word.startsWith("-")).map((flag) => flag.split("=")[0]!) }];
  });
}

/** What is wrong with these invocations, asking the built CLI for the `--help` of each command. */
export async function twostepProblems(found: readonly TwostepInvocation[]): Promise<string[]> {
  const bin = join(root, "packages/cli/bin/twostep.js");
  if (!existsSync(join(root, "packages/cli/dist/bin.js"))) return ["the CLI is not built (npx tsc -b)"];
  const helpsOf = async (names: readonly string[]) =>
    new Map(
      await Promise.all(
        [...new Set(names)].map(async (name) => {
          const args = name === "" ? ["--help"] : [...name.split(" "), "--help"];
          const { stdout } = await run(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
          return [name, stdout] as const;
        }),
      ),
    );
  // A command with subcommands (`twostep rollout start`) has the usage `twostep rollout [options] [command]`: the next word is its subcommand.
  const commands = await helpsOf(found.map(({ command }) => command));
  const invocations = found.map((invocation) => {
    const grouped = new RegExp(`Usage:\\s+twostep ${escapeRegExp(invocation.command)} \\[options\\] \\[command\\]`).test(
      commands.get(invocation.command) ?? "",
    );
    return grouped && invocation.next !== undefined ? { ...invocation, command: `${invocation.command} ${invocation.next}` } : invocation;
  });
  const helps = await helpsOf(invocations.map(({ command }) => command));
  const problems: string[] = [];
  for (const { at, line, command, flags } of invocations) {
    const help = helps.get(command) ?? "";
    // An unknown command prints the general help, whose usage is `twostep <command>`.
    const usage = command === "" ? /Usage:\s+twostep <command>/ : new RegExp(`Usage:\\s+twostep ${escapeRegExp(command)}(\\s|$)`);
    if (!usage.test(help)) {
      problems.push(`${at}: ${line}: no command "${command}"`);
      continue;
    }
    for (const flag of flags) {
      if (!new RegExp(`(?<![\\w-])${escapeRegExp(flag)}(?![\\w-])`).test(help)) problems.push(`${at}: ${line}: "twostep ${command}" has no ${flag}`);
    }
  }
  return problems;
}

interface PackageJson {
  readonly name?: string;
  readonly scripts?: Record<string, string>;
  readonly workspaces?: readonly string[];
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
}

/** The root's workspaces, by name and by path relative to the root. */
function workspaces(): Map<string, PackageJson> {
  const found = new Map<string, PackageJson>();
  for (const pattern of readPackageJson(root).workspaces ?? []) {
    const parent = pattern.replace(/\/\*$/, "");
    for (const name of readdirSync(join(root, parent))) {
      const dir = join(root, parent, name);
      if (!existsSync(join(dir, "package.json"))) continue;
      const manifest = readPackageJson(dir);
      found.set(`${parent}/${name}`, manifest);
      if (manifest.name !== undefined) found.set(manifest.name, manifest);
    }
  }
  return found;
}

/** The `npm run X` and `npm test` among these. */
export function npmRuns(commands: readonly ShellCommand[]): ShellCommand[] {
  return commands.filter(({ words }) => words[0] === "npm" && words.some((word) => word === "run" || word === "run-script" || word === "test" || word === "t"));
}

/** What is wrong with these `npm run` commands: a script that is not in the root's package.json, or in the workspace that `-w` names. */
export function npmProblems(commands: readonly ShellCommand[]): string[] {
  const rootScripts = readPackageJson(root).scripts ?? {};
  const packages = workspaces();
  const problems: string[] = [];
  for (const { at, line, words } of npmRuns(commands)) {
    const args = words.slice(1);
    const workspaceNames: string[] = [];
    const rest: string[] = [];
    for (let index = 0; index < args.length; index++) {
      const word = args[index] ?? "";
      if (word === "--") break;
      const inline = /^(?:-w|--workspace)=(.+)$/.exec(word);
      if (inline !== null) workspaceNames.push(inline[1] ?? "");
      else if (word === "-w" || word === "--workspace") workspaceNames.push(args[++index] ?? "");
      else rest.push(word);
    }
    const verb = rest[0];
    const script = verb === "test" || verb === "t" ? "test" : (rest.find((word, index) => index > 0 && !word.startsWith("-")) ?? "");
    if (workspaceNames.length === 0) {
      if (rootScripts[script] === undefined) problems.push(`${at}: ${line}: no script "${script}" in package.json`);
      continue;
    }
    for (const name of workspaceNames) {
      const manifest = packages.get(name.replace(/\/$/, ""));
      if (manifest === undefined) problems.push(`${at}: ${line}: no workspace "${name}"`);
      else if (manifest.scripts?.[script] === undefined) problems.push(`${at}: ${line}: no script "${script}" in workspace ${name}`);
    }
  }
  return problems;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function withoutFences(markdown: string): string {
  return markdown.replace(/^ *```[\s\S]*?^ *```\s*$/gm, "");
}

function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, "");
}

/** The relative links of a markdown text, outside code. */
export function relativeLinks(markdown: string): string[] {
  const links = [...withoutCode(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1] ?? "");
  return links.filter((link) => !/^[a-z][a-z+.-]*:/i.test(link));
}

/** The relative links of a markdown file that point to no file, or to no heading of a markdown file. */
export function brokenLinks(file: string, markdown: string = readMarkdown(file)): string[] {
  const broken: string[] = [];
  for (const link of relativeLinks(markdown)) {
    const [path = "", anchor] = link.split("#");
    const target = path === "" ? join(root, file) : resolve(dirname(join(root, file)), decodeURI(path));
    if (!existsSync(target)) {
      broken.push(`${link}: no ${relative(root, target)}`);
    } else if (anchor !== undefined && target.endsWith(".md") && !headingSlugs(readFileSync(target, "utf8")).has(anchor)) {
      broken.push(`${link}: no heading #${anchor} in ${relative(root, target)}`);
    }
  }
  return broken;
}

/** GitHub's anchors of a markdown file's headings. */
export function headingSlugs(markdown: string): Set<string> {
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
