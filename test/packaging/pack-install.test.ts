// The packages install and work outside this repository: `npm pack` each
// one, install the tarballs into a fresh project (no workspace; third-party
// dependencies from the registry, or npm's cache), and compile programs
// written only against the public API with the project's own tsconfig, in
// `nodenext` and in `bundler` module resolution; then run them. The programs
// are README.md's first program, verbatim, and one that runs the installed
// `twostep generate` and uses the generated types, on the in-memory control
// plane and then on a real nats-server started here; @twostep/check is only
// imported.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Coordinator } from "@twostep/fleet";
import { connectNatsControlPlane } from "@twostep/nats";
import { startNatsServer } from "@twostep/testkit/nats-server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { codeBlocks, root } from "../docs/markdown.js";

const exec = promisify(execFile);
const tsc = join(root, "node_modules/typescript/bin/tsc");
const packages = ["core", "fleet", "nats", "prometheus", "check", "cli", "testkit"] as const;

/** What `npm pack --json` says of one package. */
interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

let project: string;
let packed: Packed[];

/** Runs a command with npm's own `npm_*` variables dropped, so that a run under `npm test` does not leak into the project's npm. */
function run(command: string, args: readonly string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith("npm_")));
  return exec(command, [...args], { cwd, env: { ...env, NO_COLOR: "1", ...extraEnv }, maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string }) => {
      throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${error.stdout ?? ""}${error.stderr ?? ""}`, { cause: error });
    },
  );
}

function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

const readmeProgram = codeBlocks("README.md").find((block) => block.lang === "ts" && block.before === "<!-- readme-test: run -->")?.code ?? "";

const manifest = {
  format: 1,
  types: [
    {
      name: "billing.InvoiceIssued",
      id: 1,
      codec: "protobuf",
      versions: [
        { version: 1, proto: "billing/v1/invoice.proto", message: "billing.v1.InvoiceIssued" },
        { version: 2, proto: "billing/v2/invoice.proto", message: "billing.v2.InvoiceIssued" },
      ],
    },
  ],
};

/** A program written from the docs alone: generated types, typed bindings, the in-memory control plane, and every package imported. */
const typedProgram = `import { Coordinator, type ControlPlane, MemoryControlPlane, startNode } from "@twostep/fleet";
import { isTwostepError, type Long, type ProtocolBindings } from "@twostep/core";
import { loadProtocol } from "@twostep/core/node";
import { connectNatsControlPlane } from "@twostep/nats";
import { checkRollout } from "@twostep/check";
import { run } from "@twostep/cli";
import { versionArbitrary } from "@twostep/testkit/arbitraries";
import type { BillingProtocol, InvoiceIssuedV1, InvoiceIssuedV2 } from "./generated/billing-protocol.js";

const bindings: ProtocolBindings<BillingProtocol> = {
  "billing.InvoiceIssued": {
    2: {
      upgrade: (v1: InvoiceIssuedV1): InvoiceIssuedV2 => ({ invoiceId: v1.invoiceId, totalCents: v1.cents, currency: "USD" }),
      downgrade: (v2) => ({ invoiceId: v2.invoiceId, cents: v2.totalCents }),
    },
  },
};
const { protocol } = loadProtocol<BillingProtocol>("schemas/twostep.json", { bindings });

/** Joins a node, opens writes at v1 and writes an invoice through it, on the control plane given. */
async function writeOneInvoice(controlPlane: ControlPlane): Promise<void> {
  const node = await startNode({ controlPlane, protocol, nodeId: "billing-1", service: "billing", build: "1.0.0" });
  await new Coordinator(controlPlane).enableWrite("billing.InvoiceIssued", 1, { actor: "packaging test", reason: "adopt" });
  const frame = node.encode("billing.InvoiceIssued", { invoiceId: "inv-1", totalCents: "12345678901234", currency: "USD" });
  const decoded = protocol.decode(frame);
  if (decoded.version !== 1) throw new Error(\`written at v\${decoded.version}, not v1\`);
  const cents: Long = decoded.wire.cents;
  if (cents.toString() !== "12345678901234" || decoded.value.totalCents.toString() !== "12345678901234") throw new Error("lost the amount");
  await node.stop();
}

await writeOneInvoice(new MemoryControlPlane());
const natsUrl = process.env["TWOSTEP_NATS_URL"];
if (natsUrl !== undefined) {
  const plane = await connectNatsControlPlane({ servers: natsUrl });
  try {
    await writeOneInvoice(plane);
  } finally {
    await plane.close();
  }
}

const imported = [isTwostepError, checkRollout, run, versionArbitrary];
if (imported.some((value) => typeof value !== "function")) throw new Error("a public export is missing");
console.log(\`typed program: ok\${natsUrl === undefined ? "" : " (and on NATS)"}\`);
`;

const protos: Record<string, string> = {
  "schemas/billing/v1/invoice.proto": 'syntax = "proto3";\npackage billing.v1;\n\nmessage InvoiceIssued {\n  string invoice_id = 1;\n  int64 cents = 2;\n}\n',
  "schemas/billing/v2/invoice.proto":
    'syntax = "proto3";\npackage billing.v2;\n\nmessage InvoiceIssued {\n  string invoice_id = 1;\n  sint64 total_cents = 2;\n  string currency = 3;\n}\n',
};

/** A user's tsconfig: strict, and checking the packages' declaration files too (skipLibCheck off). */
function tsconfig(options: Record<string, unknown>): string {
  return JSON.stringify(
    { compilerOptions: { target: "es2022", lib: ["es2023"], strict: true, skipLibCheck: false, types: ["node"], ...options }, include: ["src"] },
    null,
    2,
  );
}

beforeAll(async () => {
  expect(readmeProgram).toContain("MemoryControlPlane");
  await run(process.execPath, [tsc, "-b"], root);
  project = mkdtempSync(join(tmpdir(), "twostep-user-"));
  const tarballs = join(project, "tarballs");
  mkdirSync(tarballs);
  const { stdout } = await run(
    "npm",
    ["pack", "--json", "--pack-destination", tarballs, ...packages.flatMap((name) => ["--workspace", `packages/${name}`])],
    root,
  );
  packed = JSON.parse(stdout) as Packed[];
  const dependency = (name: string) => `file:tarballs/${packed.find((entry) => entry.name === name)?.filename ?? name}`;
  write(
    join(project, "package.json"),
    JSON.stringify(
      {
        name: "twostep-user",
        private: true,
        type: "module",
        dependencies: Object.fromEntries([
          ...["core", "fleet", "nats", "check"].map((name) => [`@twostep/${name}`, dependency(`@twostep/${name}`)]),
          ["zod", "^4.1.0"],
        ]),
        devDependencies: {
          "@twostep/cli": dependency("@twostep/cli"),
          "@twostep/prometheus": dependency("@twostep/prometheus"),
          "@twostep/testkit": dependency("@twostep/testkit"),
          "@types/node": "^20.19.0",
        },
      },
      null,
      2,
    ),
  );
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", "--loglevel=error"], project);
  write(join(project, "src/first-program.ts"), readmeProgram);
  write(join(project, "src/typed-program.ts"), typedProgram);
  write(join(project, "schemas/twostep.json"), JSON.stringify(manifest, null, 2));
  for (const [path, text] of Object.entries(protos)) write(join(project, path), text);
  write(join(project, "tsconfig.json"), tsconfig({ module: "nodenext", moduleResolution: "nodenext", rootDir: "src", outDir: "dist" }));
  write(join(project, "tsconfig.bundler.json"), tsconfig({ module: "preserve", moduleResolution: "bundler", noEmit: true }));
}, 180_000);

afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

describe("the packed packages", () => {
  test.each(packages)("@twostep/%s holds its build, types, README and LICENSE, and no tests", (name) => {
    const entry = packed.find((candidate) => candidate.name === `@twostep/${name}`);
    const files = entry?.files.map((file) => file.path) ?? [];
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]));
    expect(files.filter((path) => path.startsWith("test/") || path.endsWith(".tsbuildinfo"))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(root, "packages", name, "package.json"), "utf8")) as {
      exports: Record<string, { types?: string }>;
      dependencies?: Record<string, string>;
    };
    for (const [subpath, target] of Object.entries(manifest.exports)) expect(target.types, `${name} exports ${subpath} with types`).toMatch(/\.d\.ts$/);
    expect(Object.keys(manifest.dependencies ?? {}).filter((dependency) => dependency.startsWith("@twostep/example-"))).toEqual([]);
    // A range, not one exact version, so that a user can install the packages one by one.
    const own = Object.entries(manifest.dependencies ?? {}).filter(([dependency]) => dependency.startsWith("@twostep/"));
    for (const [dependency, range] of own) expect(range, `${name} depends on ${dependency}`).toMatch(/^\^\d+\.\d+\.\d+$/);
  });
});

describe("a project that installs the tarballs", () => {
  test("generates the types of its manifest with the installed twostep", async () => {
    const { stdout } = await run(
      join(project, "node_modules/.bin/twostep"),
      ["generate", "schemas/twostep.json", "--out", "src/generated/billing-protocol.ts"],
      project,
    );
    expect(stdout).toContain("BillingProtocol, 1 types, 2 versions");
    expect(readFileSync(join(project, "src/generated/billing-protocol.ts"), "utf8")).toContain('import type { Long, ProtobufVersion } from "@twostep/core";');
  });

  test("compiles the README's first program and a typed one with module resolution bundler", async () => {
    await expect(run(process.execPath, [tsc, "-p", "tsconfig.bundler.json"], project)).resolves.toMatchObject({ stdout: "" });
  });

  test("compiles them with module resolution nodenext, and runs them, the typed one on a real nats-server too", async () => {
    await run(process.execPath, [tsc, "-p", "tsconfig.json"], project);
    await expect(run(process.execPath, ["dist/first-program.js"], project)).resolves.toMatchObject({ stderr: "" });
    await expect(run(process.execPath, ["dist/typed-program.js"], project)).resolves.toMatchObject({ stdout: "typed program: ok\n" });
    await using server = await startNatsServer();
    await expect(run(process.execPath, ["dist/typed-program.js"], project, { TWOSTEP_NATS_URL: server.url })).resolves.toMatchObject({
      stdout: "typed program: ok (and on NATS)\n",
    });
    const plane = await connectNatsControlPlane({ servers: server.url, create: false });
    try {
      const history = await new Coordinator(plane).history({ capability: "billing.InvoiceIssued" });
      expect(history.map((entry) => entry.note.actor)).toContain("packaging test");
    } finally {
      await plane.close();
    }
  });
});
