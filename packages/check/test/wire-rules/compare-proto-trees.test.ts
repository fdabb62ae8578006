import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compareProtoTrees, ProtoReadError } from "@twostep/check";
import { readProtoTree } from "@twostep/check/internal";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const SCHEMAS = join(import.meta.dirname, "..", "..", "..", "..", "schemas");

describe("compareProtoTrees", () => {
  let scratch: string;

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), "twostep-check-"));
  });

  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  async function tree(name: string, files: Record<string, string>): Promise<string> {
    const root = join(scratch, name);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    }
    return root;
  }

  it("reads nested .proto files keyed by their path from the root, skipping node_modules, dot-directories and other files", async () => {
    const root = await tree("t", {
      "shop/orders/v1/order.proto": 'syntax = "proto3";\n',
      "top.proto": 'syntax = "proto3";\n',
      "README.md": "not a schema",
      "node_modules/dep/x.proto": "not read",
      ".git/y.proto": "not read",
    });
    expect(Object.keys(await readProtoTree(root)).sort()).toEqual(["shop/orders/v1/order.proto", "top.proto"]);
  });

  it("finds breaking changes between two directories, with imports resolved against each root", async () => {
    const money = 'syntax = "proto3";\npackage shop;\nmessage Money { int64 units = 1; int32 nanos = 2; }\n';
    const order = (total: string) => `syntax = "proto3";\npackage shop.orders;\nimport "shop/money.proto";\nmessage Order {\n  ${total} total = 1;\n}\n`;
    const previous = await tree("previous", { "shop/money.proto": money, "shop/orders.proto": order("shop.Money") });
    const current = await tree("current", { "shop/money.proto": money.replace("int32 nanos", "string nanos"), "shop/orders.proto": order("bytes") });
    const violations = await compareProtoTrees(previous, current);
    expect(violations.map((violation) => `${violation.file}:${violation.line}:${violation.column} ${violation.rule}`)).toEqual([
      "shop/money.proto:3:34 FIELD_WIRE_COMPATIBLE_TYPE",
      "shop/orders.proto:5:3 FIELD_WIRE_COMPATIBLE_TYPE",
    ]);
  });

  it("names the directory in errors", async () => {
    const previous = await tree("previous", { "a.proto": 'syntax = "proto3";\n' });
    const current = await tree("current", { "a.proto": 'syntax = "proto3";\nmessage {\n' });
    await expect(compareProtoTrees(previous, current)).rejects.toMatchObject({
      code: "PROTO_PARSE",
      file: "a.proto",
      line: 2,
      message: expect.stringContaining(`current schema ${current}/a.proto:2`),
    });
    await expect(compareProtoTrees(join(scratch, "missing"), current)).rejects.toBeInstanceOf(ProtoReadError);
  });

  it("finds nothing to report in the project's own schemas", async () => {
    expect(await compareProtoTrees(SCHEMAS, SCHEMAS)).toEqual([]);
  });
});
