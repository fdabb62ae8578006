import { checkRollout } from "@twostep/check";
import { describe, expect, it } from "vitest";
import { renderManifest, tempRepos, type GitRepo, type ManifestData, type TypeData } from "../support/git-repo.js";

const PROTOBUF_TYPES = 400;
const JSON_TYPES = 100;

const repos = tempRepos();

const money = `syntax = "proto3";\npackage common;\nmessage Money {\n  string currency_code = 1;\n  int64 units = 2;\n  int32 nanos = 3;\n}\n`;

function protoFile(index: number, version: number, extra = ""): string {
  return [
    `syntax = "proto3";`,
    `package scale.t${index}.v${version};`,
    ...(version > 1 ? [`import "common/money.proto";`] : []),
    `// Type ${index}, version ${version}.`,
    `message Event {`,
    `  enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; KIND_B = 2; }`,
    `  message Line { string sku = 1; uint32 quantity = 2; }`,
    `  string id = 1;`,
    `  int64 at = 2;`,
    `  Kind kind = 3;`,
    `  repeated Line lines = 4;`,
    `  map<string, string> labels = 5;`,
    version > 1 ? `  common.Money total = 6;` : `  int64 total_cents = 6;`,
    extra,
    `}`,
    ``,
  ].join("\n");
}

function jsonSnapshot(version: number, indent = 2): string {
  const properties: Record<string, unknown> = {
    id: { type: "string", minLength: 1 },
    name: { type: "string" },
    tags: { type: "array", items: { type: "string" } },
  };
  if (version > 1) properties["status"] = { type: "string", enum: ["new", "done"] };
  const required = version > 1 ? ["id", "name", "tags", "status"] : ["id", "name", "tags"];
  return `${JSON.stringify({ $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties, required, additionalProperties: {} }, null, indent)}\n`;
}

function protobufType(index: number): TypeData {
  return {
    name: `scale.Type${index}`,
    id: index + 1,
    codec: "protobuf",
    versions: [1, 2].map((version) => ({ version, proto: `t${index}/v${version}/event.proto`, message: `scale.t${index}.v${version}.Event` })),
    retired: [],
    writeTarget: 1,
  };
}

function jsonType(index: number): TypeData {
  return {
    name: `scale.Json${index}`,
    id: PROTOBUF_TYPES + index + 1,
    codec: "json",
    versions: [1, 2].map((version) => ({ version, jsonSchema: `json/j${index}/v${version}.schema.json` })),
    retired: [],
    writeTarget: 1,
  };
}

async function scaleRepo(): Promise<{ repo: GitRepo; manifest: ManifestData }> {
  const manifest: ManifestData = {
    format: 1,
    types: [...Array.from({ length: PROTOBUF_TYPES }, (_, index) => protobufType(index)), ...Array.from({ length: JSON_TYPES }, (_, index) => jsonType(index))],
  };
  const files: Record<string, string> = { "schemas/twostep.json": renderManifest(manifest), "schemas/common/money.proto": money };
  for (let index = 0; index < PROTOBUF_TYPES; index += 1) {
    for (const version of [1, 2]) files[`schemas/t${index}/v${version}/event.proto`] = protoFile(index, version);
  }
  for (let index = 0; index < JSON_TYPES; index += 1) {
    for (const version of [1, 2]) files[`schemas/json/j${index}/v${version}.schema.json`] = jsonSnapshot(version);
  }
  return { repo: await repos.create(files), manifest };
}

async function timed<T>(label: string, action: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await action();
  console.log(`checkRollout, ${PROTOBUF_TYPES + JSON_TYPES} message types, ${label}: ${Math.round(performance.now() - start)} ms`);
  return result;
}

describe("checkRollout at scale", () => {
  // The timeout bounds a hang: this takes 3 s on an idle two-core machine and 20 s on a loaded one.
  it("checks a repository of 500 message types (timings printed, not asserted)", async () => {
    const { repo, manifest } = await scaleRepo();
    expect(await timed("nothing changed", () => checkRollout({ cwd: repo.dir, base: "HEAD" }))).toEqual([]);

    // A typical change: 20 write targets raised, 10 readers added, 10 shipped schemas extended compatibly.
    for (let index = 0; index < 20; index += 1) manifest.types[index]!.writeTarget = 2;
    for (let index = 20; index < 30; index += 1) {
      manifest.types[index]!.versions.push({ version: 3, proto: `t${index}/v3/event.proto`, message: `scale.t${index}.v3.Event` });
      await repo.write(`schemas/t${index}/v3/event.proto`, protoFile(index, 3));
    }
    for (let index = 30; index < 40; index += 1) await repo.write(`schemas/t${index}/v2/event.proto`, protoFile(index, 2, "  string note = 7;"));
    await repo.write("schemas/twostep.json", renderManifest(manifest));
    expect(await timed("a typical change", () => checkRollout({ cwd: repo.dir, base: "HEAD" }))).toEqual([]);

    // The worst case: every shipped schema file touched, so every one is compared.
    await repo.write("schemas/common/money.proto", `${money}// touched\n`);
    for (let index = 0; index < PROTOBUF_TYPES; index += 1) {
      for (const version of [1, 2]) await repo.write(`schemas/t${index}/v${version}/event.proto`, `${protoFile(index, version)}// touched\n`);
    }
    for (let index = 0; index < JSON_TYPES; index += 1) {
      for (const version of [1, 2]) await repo.write(`schemas/json/j${index}/v${version}.schema.json`, jsonSnapshot(version, 4));
    }
    expect(await timed("every schema file touched", () => checkRollout({ cwd: repo.dir, base: "HEAD" }))).toEqual([]);

    // And a breaking change in a file every v2 imports: one violation, attributed to the first of its 400 importers.
    await repo.write("schemas/common/money.proto", money.replace("int32 nanos = 3;", "string nanos = 3;"));
    const violations = await timed("a breaking change in a shared import", () => checkRollout({ cwd: repo.dir, base: "HEAD" }));
    expect(violations.map((violation) => `${violation.rule} ${violation.file}:${violation.line} ${violation.type} v${violation.version}`)).toEqual([
      "FIELD_WIRE_COMPATIBLE_TYPE schemas/common/money.proto:6 scale.Type0 v2",
    ]);
    expect(violations[0]?.message).toContain("(and 399 more shipped versions importing common/money.proto)");
  }, 120_000);
});
