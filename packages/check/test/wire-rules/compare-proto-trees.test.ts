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

  const order = (id: string) =>
    `syntax = "proto3";\npackage shop;\nimport "money/money.proto";\nmessage Order {\n  ${id} id = 1;\n  money.Money total = 2;\n}\n`;
  const money = 'syntax = "proto3";\npackage money;\nmessage Money { int64 units = 1; }\n';

  it("pairs files relative to their buf module: v1beta1 roots, v2 modules[].path and excludes (regression: nothing paired, the check passed)", async () => {
    const previous = await tree("previous", {
      "buf.yaml": "version: v1beta1\nbuild:\n  roots:\n    - proto\n    - vendor\n",
      "proto/shop/order.proto": order("int64"),
      "vendor/money/money.proto": money,
    });
    const current = await tree("current", {
      "buf.yaml": "version: v2\nmodules:\n  - path: schemas\n    excludes: [schemas/drafts]\n  - path: third_party\n",
      "schemas/shop/order.proto": order("string"),
      "schemas/drafts/broken.proto": "not even protobuf",
      "third_party/money/money.proto": money.replace("int64 units", "string units"),
    });
    const violations = await compareProtoTrees(previous, current);
    expect(violations.map((violation) => `${violation.file}:${violation.line} ${violation.rule}`)).toEqual([
      "schemas/shop/order.proto:5 FIELD_WIRE_COMPATIBLE_TYPE",
      "third_party/money/money.proto:3 FIELD_WIRE_COMPATIBLE_TYPE",
    ]);
    await writeFile(join(current, "schemas/shop/order.proto"), order("Missing"));
    await expect(compareProtoTrees(previous, current)).rejects.toMatchObject({ code: "PROTO_UNRESOLVED_TYPE", file: "schemas/shop/order.proto", line: 5 });
  });

  it("refuses a buf config it cannot use, at its line", async () => {
    const previous = await tree("previous", { "a.proto": money });
    const twice = await tree("twice", { "buf.work.yaml": "version: v1\ndirectories: [a, b]\n", "a/money/money.proto": money, "b/money/money.proto": money });
    await expect(compareProtoTrees(previous, twice)).rejects.toMatchObject({ code: "INVALID_CHECK_CONFIG", file: "buf.work.yaml" });
    const unknown = await tree("unknown", { "buf.yaml": "# a comment\nversion: v9\n", "a.proto": money });
    await expect(compareProtoTrees(previous, unknown)).rejects.toMatchObject({ code: "INVALID_CHECK_CONFIG", file: "buf.yaml", line: 2, side: "current" });
    const v1Roots = await tree("v1-roots", { "buf.yaml": "version: v1\nbuild:\n  roots: [proto]\n", "proto/a.proto": money });
    await expect(compareProtoTrees(v1Roots, previous)).rejects.toMatchObject({ code: "INVALID_CHECK_CONFIG", line: 3, side: "previous" });
  });

  describe("breaking changes accepted on purpose", () => {
    const previousFiles = {
      "shop/order.proto": order("int64").replace("money.Money total = 2;", "int32 count = 2;\n  int32 size = 3;"),
      "money/money.proto": money,
    };
    const changed = (config: string) => ({
      "twostep-check.yaml": config,
      "shop/order.proto": order("string").replace("money.Money total = 2;", "string count = 2;\n  int32 size = 3;"),
      "money/money.proto": money.replace("int64 units", "string units"),
    });
    const reported = async (config: string) =>
      (await compareProtoTrees(await tree("previous", previousFiles), await tree("current", changed(config)))).map(
        (violation) => `${violation.file}:${violation.line} ${violation.rule} ${violation.element ?? ""}`,
      );

    it("drops what twostep-check.yaml accepts: one rule for one element, one rule for a file, every schema rule for a directory", async () => {
      expect(await reported("version: 1\n")).toEqual([
        "money/money.proto:3 FIELD_WIRE_COMPATIBLE_TYPE money.Money.units",
        "shop/order.proto:5 FIELD_WIRE_COMPATIBLE_TYPE shop.Order.id",
        "shop/order.proto:6 FIELD_WIRE_COMPATIBLE_TYPE shop.Order.count",
      ]);
      const element =
        "version: 1\nbreaking:\n  ignore_only:\n    FIELD_WIRE_COMPATIBLE_TYPE:\n      - path: shop/order.proto\n        element: shop.Order.id\n        reason: ids are opaque; every reader parses both\n";
      expect(await reported(element)).toEqual([
        "money/money.proto:3 FIELD_WIRE_COMPATIBLE_TYPE money.Money.units",
        "shop/order.proto:6 FIELD_WIRE_COMPATIBLE_TYPE shop.Order.count",
      ]);
      expect(
        await reported("version: 1\nbreaking:\n  ignore_only:\n    FIELD_SAME_DEFAULT: [shop]\n    FIELD_WIRE_COMPATIBLE_TYPE: [shop/order.proto]\n"),
      ).toEqual(["money/money.proto:3 FIELD_WIRE_COMPATIBLE_TYPE money.Money.units"]);
      expect(await reported("version: 1\nbreaking:\n  ignore: [money]\n")).toHaveLength(2);
    });

    it("refuses an unknown rule, a rollout rule, a path outside the tree and invalid YAML, at their line", async () => {
      const refused = async (config: string) => compareProtoTrees(await tree("previous", previousFiles), await tree("current", changed(config)));
      await expect(refused("version: 1\nbreaking:\n  ignore_only:\n    FIELD_SAME_TYPE: [a.proto]\n")).rejects.toMatchObject({
        code: "INVALID_CHECK_CONFIG",
        file: "twostep-check.yaml",
        line: 4,
        message: expect.stringContaining('unknown rule "FIELD_SAME_TYPE"'),
      });
      await expect(refused("version: 1\nbreaking:\n  ignore_only:\n    WRITER_WITH_READER: [a.proto]\n")).rejects.toMatchObject({
        message: expect.stringContaining("WRITER_WITH_READER is a rollout rule, which cannot be accepted"),
      });
      await expect(refused("version: 1\nbreaking:\n  ignore:\n    - ../elsewhere\n")).rejects.toMatchObject({ line: 4 });
      await expect(refused("version: 1\nbreaking: [\n")).rejects.toMatchObject({ code: "INVALID_CHECK_CONFIG", line: 3 });
      await expect(refused("version: 2\n")).rejects.toMatchObject({ line: 1, message: expect.stringContaining("version must be 1") });
    });
  });

  it("finds nothing to report in the project's own schemas", async () => {
    expect(await compareProtoTrees(SCHEMAS, SCHEMAS)).toEqual([]);
  });
});
