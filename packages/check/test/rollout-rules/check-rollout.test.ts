import { cp } from "node:fs/promises";
import { join } from "node:path";
import { checkRollout, jsonSchemaSnapshot, type Violation } from "@twostep/check";
import { CustomerUpdatedV1 } from "@twostep/example-shop";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { lineOf, renderManifest, SHOP_SCHEMAS, shopManifest, tempRepos, type GitRepo, type ManifestData } from "../support/git-repo.js";

const MANIFEST = "schemas/twostep.json";
const ORDERS = "orders.OrderPlaced";
const CUSTOMERS = "customers.CustomerUpdated";
const ORDERS_V2 = "schemas/shop/orders/v2/order_placed.proto";
const CUSTOMERS_V1 = "schemas/shop/customers/v1/customer_updated.schema.json";

const repos = tempRepos();

/** Writes the example manifest, edited, into the working tree; returns its text. */
async function edit(repo: GitRepo, change: (manifest: ManifestData) => void): Promise<string> {
  const manifest = await shopManifest();
  change(manifest);
  const text = renderManifest(manifest);
  await repo.write(MANIFEST, text);
  return text;
}

/** Edits the example manifest and commits it: a new base for the change under test. */
async function rebase(repo: GitRepo, change: (manifest: ManifestData) => void): Promise<void> {
  await edit(repo, change);
  await repo.commit("new base");
}

function typeNamed(manifest: ManifestData, name: string) {
  const found = manifest.types.find((type) => type.name === name);
  if (found === undefined) throw new Error(`no type ${name}`);
  return found;
}

const check = (repo: GitRepo) => checkRollout({ cwd: repo.dir, base: "HEAD" });

/** `RULE file:line` of each violation, the shape most assertions compare. */
const located = (violations: readonly Violation[]) => violations.map((violation) => `${violation.rule} ${violation.file}:${violation.line}`);

describe("checkRollout on the example protocol", () => {
  it("finds nothing when nothing changed, or only the manifest's layout did", async () => {
    const repo = await repos.shop();
    expect(await check(repo)).toEqual([]);
    await edit(repo, () => {});
    expect(await check(repo)).toEqual([]);
  });

  describe("type ids", () => {
    it("TYPE_ID_CHANGED: a type keeps its id", async () => {
      const repo = await repos.shop();
      const text = await edit(repo, (manifest) => {
        typeNamed(manifest, ORDERS).id = 7;
      });
      const violations = await check(repo);
      expect(located(violations)).toEqual([`TYPE_ID_CHANGED ${MANIFEST}:${lineOf(text, '"id": 7')}`]);
      expect(violations[0]).toMatchObject({ type: ORDERS, column: 7, fix: expect.stringContaining('Restore "id": 1') });
    });

    it("TYPE_ID_REUSED: a new type may not take the id another type had at the base; a fresh id is fine", async () => {
      const repo = await repos.shop();
      const payments = { name: "payments.PaymentTaken", id: 2, codec: "json" as const, versions: [{ version: 1 }] };
      const text = await edit(repo, (manifest) => {
        typeNamed(manifest, CUSTOMERS).id = 3;
        manifest.types.push(payments);
      });
      const violations = await check(repo);
      expect(located(violations)).toEqual([
        `TYPE_ID_CHANGED ${MANIFEST}:${lineOf(text, '"id": 3', CUSTOMERS)}`,
        `TYPE_ID_REUSED ${MANIFEST}:${lineOf(text, '"id": 2', payments.name)}`,
      ]);
      expect(violations[1]?.message).toContain(`which the base gives to ${CUSTOMERS}`);

      await edit(repo, (manifest) => manifest.types.push({ ...payments, id: 3 }));
      expect(await check(repo)).toEqual([]);
    });

    it("TYPE_ID_REUSED: the id of a type removed in this change stays unused", async () => {
      const repo = await repos.shop();
      await rebase(repo, (manifest) => {
        const customers = typeNamed(manifest, CUSTOMERS);
        customers.retired = [1, 2];
        delete customers.writeTarget;
      });
      const text = await edit(repo, (manifest) => {
        manifest.types = manifest.types.filter((type) => type.name !== CUSTOMERS);
        manifest.types.push({ name: "payments.PaymentTaken", id: 2, codec: "json", versions: [{ version: 1 }] });
      });
      const violations = await check(repo);
      expect(located(violations)).toEqual([`TYPE_ID_REUSED ${MANIFEST}:${lineOf(text, '"id": 2', "payments.PaymentTaken")}`]);
      expect(violations[0]?.message).toContain("(removed in this change)");
    });

    it("TYPE_RENAMED: a rename is declared with renamedFrom", async () => {
      const repo = await repos.shop();
      const text = await edit(repo, (manifest) => {
        typeNamed(manifest, CUSTOMERS).name = "customers.CustomerChanged";
      });
      const violations = await check(repo);
      expect(located(violations)).toEqual([`TYPE_RENAMED ${MANIFEST}:${lineOf(text, '"name": "customers.CustomerChanged"')}`]);
      expect(violations[0]).toMatchObject({ type: "customers.CustomerChanged", fix: expect.stringContaining(`"renamedFrom": ["${CUSTOMERS}"]`) });

      await edit(repo, (manifest) => {
        const customers = typeNamed(manifest, CUSTOMERS);
        customers.name = "customers.CustomerChanged";
        customers.renamedFrom = [CUSTOMERS];
      });
      expect(await check(repo)).toEqual([]);
    });
  });

  describe("write targets", () => {
    async function addOrdersV3(repo: GitRepo, writeTarget: number): Promise<string> {
      const v2 = await repo.read(ORDERS_V2);
      await repo.write("schemas/shop/orders/v3/order_placed.proto", v2.replaceAll("shop.orders.v2", "shop.orders.v3"));
      return edit(repo, (manifest) => {
        const orders = typeNamed(manifest, ORDERS);
        orders.versions.push({ version: 3, proto: "shop/orders/v3/order_placed.proto", message: "shop.orders.v3.OrderPlaced" });
        orders.writeTarget = writeTarget;
      });
    }

    it("WRITER_WITH_READER: a version's writer is not enabled in the change that adds its reader", async () => {
      const repo = await repos.shop();
      const text = await addOrdersV3(repo, 3);
      const violations = await check(repo);
      expect(located(violations)).toEqual([`WRITER_WITH_READER ${MANIFEST}:${lineOf(text, '"writeTarget": 3')}`]);
      expect(violations[0]).toMatchObject({ type: ORDERS, version: 3, fix: expect.stringContaining('set "writeTarget" back to 1') });
    });

    it("allows adding a reader while writing a version the base reads, raised or not", async () => {
      const repo = await repos.shop();
      await addOrdersV3(repo, 1);
      expect(await check(repo)).toEqual([]);
      await addOrdersV3(repo, 2);
      expect(await check(repo)).toEqual([]);
    });

    it("WRITE_TARGET_UNREAD: a new type gets no write target until its reader shipped", async () => {
      const repo = await repos.shop();
      const payments = { name: "payments.PaymentTaken", id: 3, codec: "json" as const, versions: [{ version: 1 }] };
      const text = await edit(repo, (manifest) => manifest.types.push({ ...payments, writeTarget: 1 }));
      const violations = await check(repo);
      expect(located(violations)).toEqual([`WRITE_TARGET_UNREAD ${MANIFEST}:${lineOf(text, '"writeTarget": 1', payments.name)}`]);
      expect(violations[0]?.message).toContain("is new in this change");

      await edit(repo, (manifest) => manifest.types.push(payments));
      expect(await check(repo)).toEqual([]);
    });

    it("WRITE_TARGET_UNREAD: nor does a version whose reader the base dropped", async () => {
      const repo = await repos.shop();
      await rebase(repo, (manifest) => {
        const customers = typeNamed(manifest, CUSTOMERS);
        customers.versions = customers.versions.filter((version) => version.version === 2);
        customers.writeTarget = 2;
      });
      const text = await edit(repo, () => {});
      expect(located(await check(repo))).toEqual([`WRITE_TARGET_UNREAD ${MANIFEST}:${lineOf(text, '"writeTarget": 1', CUSTOMERS)}`]);
    });
  });

  describe("removed readers", () => {
    it("READER_REMOVED_UNRETIRED: a reader the base still writes stays", async () => {
      const repo = await repos.shop();
      const text = await edit(repo, (manifest) => {
        const customers = typeNamed(manifest, CUSTOMERS);
        customers.versions = customers.versions.filter((version) => version.version === 2);
        customers.writeTarget = 2;
      });
      const violations = await check(repo);
      expect(located(violations)).toEqual([`READER_REMOVED_UNRETIRED ${MANIFEST}:${lineOf(text, '"versions"', CUSTOMERS)}`]);
      expect(violations[0]).toMatchObject({ type: CUSTOMERS, version: 1, message: expect.stringContaining("the base still writes it (writeTarget 1)") });
    });

    it("READER_REMOVED_UNRETIRED: a reader goes only once the base retired its version", async () => {
      const repo = await repos.shop();
      await rebase(repo, (manifest) => {
        typeNamed(manifest, CUSTOMERS).writeTarget = 2;
      });
      const drop = (manifest: ManifestData) => {
        const customers = typeNamed(manifest, CUSTOMERS);
        customers.versions = customers.versions.filter((version) => version.version === 2);
        customers.writeTarget = 2;
      };
      const text = await edit(repo, drop);
      const violations = await check(repo);
      expect(located(violations)).toEqual([`READER_REMOVED_UNRETIRED ${MANIFEST}:${lineOf(text, '"versions"', CUSTOMERS)}`]);
      expect(violations[0]?.message).toContain("the base did not retire it");

      await rebase(repo, (manifest) => {
        typeNamed(manifest, CUSTOMERS).writeTarget = 2;
        typeNamed(manifest, CUSTOMERS).retired = [1];
      });
      await edit(repo, drop);
      expect(await check(repo)).toEqual([]);
    });

    it("READER_REMOVED_UNRETIRED: retiring a version and dropping its reader in the same change is refused; the base must have retired it", async () => {
      const repo = await repos.shop();
      await rebase(repo, (manifest) => {
        typeNamed(manifest, CUSTOMERS).writeTarget = 2;
      });
      const text = await edit(repo, (manifest) => {
        const customers = typeNamed(manifest, CUSTOMERS);
        customers.versions = customers.versions.filter((version) => version.version === 2);
        customers.writeTarget = 2;
        customers.retired = [1];
      });
      const violations = await check(repo);
      expect(located(violations)).toEqual([`READER_REMOVED_UNRETIRED ${MANIFEST}:${lineOf(text, '"versions"', CUSTOMERS)}`]);
      expect(violations[0]).toMatchObject({ version: 1, message: expect.stringContaining("the base did not retire it") });
      // Retiring alone is the first of the two changes: allowed once nothing writes v1.
      await edit(repo, (manifest) => {
        typeNamed(manifest, CUSTOMERS).writeTarget = 2;
        typeNamed(manifest, CUSTOMERS).retired = [1];
      });
      expect(await check(repo)).toEqual([]);
    });

    it("RETIRED_STILL_WRITTEN: a version is marked retired only once neither the base nor this change writes it", async () => {
      const repo = await repos.shop();
      const stillWritten = await edit(repo, (manifest) => {
        typeNamed(manifest, CUSTOMERS).retired = [1];
      });
      const violations = await check(repo);
      expect(located(violations)).toEqual([`RETIRED_STILL_WRITTEN ${MANIFEST}:${lineOf(stillWritten, '"retired"', CUSTOMERS)}`]);
      expect(violations[0]).toMatchObject({
        type: CUSTOMERS,
        version: 1,
        message: expect.stringContaining("marks v1 retired, but this change still writes it (writeTarget 1)"),
        fix: expect.stringContaining(`twostep retire ${CUSTOMERS} 1`),
      });

      // Moving writers off v1 and retiring it in the same change: the base (and the fleet, until applied) still writes v1.
      const sameChange = await edit(repo, (manifest) => {
        typeNamed(manifest, CUSTOMERS).writeTarget = 2;
        typeNamed(manifest, CUSTOMERS).retired = [1];
      });
      expect(located(await check(repo))).toEqual([`RETIRED_STILL_WRITTEN ${MANIFEST}:${lineOf(sameChange, '"retired"', CUSTOMERS)}`]);
      expect((await check(repo))[0]?.message).toContain("but the base still writes it (writeTarget 1)");

      // And dropping the reader too reports both.
      await edit(repo, (manifest) => {
        const customers = typeNamed(manifest, CUSTOMERS);
        customers.versions = customers.versions.filter((version) => version.version === 2);
        customers.writeTarget = 2;
        customers.retired = [1];
      });
      expect((await check(repo)).map((violation) => violation.rule).sort()).toEqual(["READER_REMOVED_UNRETIRED", "RETIRED_STILL_WRITTEN"]);
    });

    it("READER_REMOVED_UNRETIRED: a type goes only once all its versions are retired and unwritten", async () => {
      const repo = await repos.shop();
      const text = await edit(repo, (manifest) => {
        manifest.types = manifest.types.filter((type) => type.name !== CUSTOMERS);
      });
      const violations = await check(repo);
      expect(located(violations)).toEqual([`READER_REMOVED_UNRETIRED ${MANIFEST}:${lineOf(text, '"types"')}`]);
      expect(violations[0]).toMatchObject({ type: CUSTOMERS, message: expect.stringContaining("readers of v1..v2") });

      await rebase(repo, (manifest) => {
        delete typeNamed(manifest, CUSTOMERS).writeTarget;
        typeNamed(manifest, CUSTOMERS).retired = [1, 2];
      });
      await edit(repo, (manifest) => {
        manifest.types = manifest.types.filter((type) => type.name !== CUSTOMERS);
      });
      expect(await check(repo)).toEqual([]);
    });
  });

  describe("shipped schemas keep their place", () => {
    it("VERSION_RENUMBERED and VERSION_SCHEMA_MOVED: a version inserted before a shipped one", async () => {
      const repo = await repos.shop();
      const v2 = await repo.read(ORDERS_V2);
      await repo.write("schemas/shop/orders/v2beta/order_placed.proto", v2.replaceAll("shop.orders.v2", "shop.orders.v2beta"));
      const text = await edit(repo, (manifest) => {
        const orders = typeNamed(manifest, ORDERS);
        const shipped = orders.versions[1]!;
        orders.versions = [
          orders.versions[0]!,
          { version: 2, proto: "shop/orders/v2beta/order_placed.proto", message: "shop.orders.v2beta.OrderPlaced" },
          { ...shipped, version: 3 },
        ];
      });
      const violations = await check(repo);
      expect(located(violations)).toEqual([
        `VERSION_SCHEMA_MOVED ${MANIFEST}:${lineOf(text, '{"version":2', ORDERS)}`,
        `VERSION_RENUMBERED ${MANIFEST}:${lineOf(text, '{"version":3', ORDERS)}`,
      ]);
      expect(violations[1]).toMatchObject({ version: 3, message: expect.stringContaining("has the schema of shipped v2") });
    });

    it("VERSION_SCHEMA_MOVED: a shipped version keeps its message and codec; a moved file is compared as it is", async () => {
      const repo = await repos.shop();
      const v2 = await repo.read(ORDERS_V2);
      await repo.write(ORDERS_V2, v2.replace("message OrderPlaced {", "message OrderCreated {"));
      const renamed = await edit(repo, (manifest) => {
        typeNamed(manifest, ORDERS).versions[1]!.message = "shop.orders.v2.OrderCreated";
      });
      expect(located(await check(repo))).toEqual([`VERSION_SCHEMA_MOVED ${MANIFEST}:${lineOf(renamed, '{"version":2', ORDERS)}`]);

      await repo.remove(ORDERS_V2);
      const moved = "schemas/shop/orders/v2/order_placed_moved.proto";
      await repo.write(moved, v2);
      await edit(repo, (manifest) => {
        typeNamed(manifest, ORDERS).versions[1]!.proto = "shop/orders/v2/order_placed_moved.proto";
      });
      expect(await check(repo)).toEqual([]);
      await repo.write(moved, v2.replace("string customer_id = 2;", "int64 customer_id = 2;"));
      expect(located(await check(repo))).toEqual([`FIELD_WIRE_COMPATIBLE_TYPE ${moved}:${lineOf(v2, "customer_id = 2")}`]);
    });

    it("VERSION_SCHEMA_MOVED: a shipped type keeps its codec", async () => {
      const repo = await repos.shop();
      for (const version of [1, 2]) {
        await repo.write(
          `schemas/shop/customers/v${version}/customer.proto`,
          `syntax = "proto3";\npackage shop.customers.v${version};\nmessage Customer { string id = 1; }\n`,
        );
      }
      const text = await edit(repo, (manifest) => {
        const customers = typeNamed(manifest, CUSTOMERS);
        customers.codec = "protobuf";
        customers.versions = [1, 2].map((version) => ({
          version,
          proto: `shop/customers/v${version}/customer.proto`,
          message: `shop.customers.v${version}.Customer`,
        }));
      });
      const violations = await check(repo);
      expect(located(violations)).toEqual([`VERSION_SCHEMA_MOVED ${MANIFEST}:${lineOf(text, '"codec"', CUSTOMERS)}`]);
      expect(violations[0]?.message).toContain("v1..v2 are shipped, but its codec changed from json to protobuf");
    });
  });

  describe("shipped protobuf schemas (buf's WIRE rules)", () => {
    it("reports an incompatible field of a shipped version, attributed to its type and version", async () => {
      const repo = await repos.shop();
      const v2 = await repo.read(ORDERS_V2);
      await repo.write(ORDERS_V2, v2.replace("string customer_id = 2;", "int64 customer_id = 2;"));
      const violations = await check(repo);
      expect(located(violations)).toEqual([`FIELD_WIRE_COMPATIBLE_TYPE ${ORDERS_V2}:${lineOf(v2, "customer_id = 2")}`]);
      expect(violations[0]).toMatchObject({
        column: 3,
        type: ORDERS,
        version: 2,
        message: expect.stringMatching(/^orders\.OrderPlaced v2: Field "2" with name "customer_id"/),
      });
    });

    it("leaves out a break accepted for its element in schemas/twostep-check.yaml, and never a rollout rule's violation", async () => {
      const repo = await repos.shop();
      const v2 = await repo.read(ORDERS_V2);
      await repo.write(ORDERS_V2, v2.replace("string customer_id = 2;", "int64 customer_id = 2;").replace("shop.Money total = 5;", "bytes total = 5;"));
      const accept = (element: string) =>
        repo.write(
          "schemas/twostep-check.yaml",
          `version: 1\nbreaking:\n  ignore_only:\n    FIELD_WIRE_COMPATIBLE_TYPE:\n      - path: shop/orders/v2/order_placed.proto\n        element: ${element}\n`,
        );
      await accept("shop.orders.v2.OrderPlaced.customer_id");
      const violations = await check(repo);
      expect(located(violations)).toEqual([`FIELD_WIRE_COMPATIBLE_TYPE ${ORDERS_V2}:${lineOf(v2, "total = 5")}`]);
      expect(violations[0]).toMatchObject({ element: "shop.orders.v2.OrderPlaced.total", type: ORDERS, version: 2 });
      await accept("shop.orders.v2.OrderPlaced");
      expect(await check(repo)).toEqual([]);

      await repo.write("schemas/twostep-check.yaml", "version: 1\nbreaking:\n  ignore: [.]\n");
      await edit(repo, (manifest) => {
        typeNamed(manifest, ORDERS).id = 7;
      });
      expect(located(await check(repo))).toEqual([expect.stringMatching(/^TYPE_ID_CHANGED /)]);
      await repo.write("schemas/twostep-check.yaml", "version: 1\nbreaking:\n  ignore_only:\n    TYPE_ID_CHANGED: [twostep.json]\n");
      await expect(check(repo)).rejects.toMatchObject({ code: "INVALID_CHECK_CONFIG", file: "schemas/twostep-check.yaml", line: 4 });
    });

    it("follows imports: a change to an imported file is attributed to the versions importing it", async () => {
      const repo = await repos.shop();
      const money = await repo.read("schemas/shop/money.proto");
      await repo.write("schemas/shop/money.proto", money.replace("string currency_code = 1;", "int32 currency_code = 1;"));
      const violations = await check(repo);
      expect(located(violations)).toEqual([`FIELD_WIRE_COMPATIBLE_TYPE schemas/shop/money.proto:${lineOf(money, "currency_code = 1")}`]);
      expect(violations[0]).toMatchObject({ type: ORDERS, version: 2 });
    });

    it("allows compatible changes, changes to versions not yet shipped, and files the manifest does not name", async () => {
      const repo = await repos.shop();
      const v2 = await repo.read(ORDERS_V2);
      await repo.write(ORDERS_V2, v2.replace("shop.Money total = 5;", "shop.Money total = 5;\n  string note = 6;"));
      await repo.write("schemas/shop/unused.proto", 'syntax = "proto3";\nmessage Unused { string a = 1; }\n');
      await repo.commit("base with an unused file");
      await repo.write("schemas/shop/unused.proto", 'syntax = "proto3";\nmessage Unused { int64 a = 1; }\n');
      await repo.write(
        "schemas/shop/orders/v3/order_placed.proto",
        'syntax = "proto3";\npackage shop.orders.v3;\nmessage OrderPlaced { bytes order_id = 1; }\n',
      );
      await edit(repo, (manifest) => {
        typeNamed(manifest, ORDERS).versions.push({ version: 3, proto: "shop/orders/v3/order_placed.proto", message: "shop.orders.v3.OrderPlaced" });
      });
      expect(await check(repo)).toEqual([]);
    });
  });

  describe("shipped JSON schemas (snapshots)", () => {
    it("reports changes that break old readers or writers, at the property in HEAD's snapshot", async () => {
      const repo = await repos.shop();
      const changed = CustomerUpdatedV1.extend({ email: z.string().optional(), phone: z.string() });
      const snapshot = jsonSchemaSnapshot(changed);
      await repo.write(CUSTOMERS_V1, snapshot);
      const violations = await check(repo);
      expect(located(violations)).toEqual([
        `JSON_FIELD_REQUIRED_REMOVED ${CUSTOMERS_V1}:${lineOf(snapshot, '"email"')}`,
        `JSON_FIELD_REQUIRED_ADDED ${CUSTOMERS_V1}:${lineOf(snapshot, '"phone"')}`,
      ]);
      expect(violations.map((violation) => [violation.type, violation.version])).toEqual([
        [CUSTOMERS, 1],
        [CUSTOMERS, 1],
      ]);
      expect(violations[0]?.message).toBe(
        `${CUSTOMERS} v1: property "email" is optional now, but old readers require it: documents from new writers may lack it`,
      );
    });

    it("allows an added optional property", async () => {
      const repo = await repos.shop();
      await repo.write(CUSTOMERS_V1, jsonSchemaSnapshot(CustomerUpdatedV1.extend({ nickname: z.string().optional() })));
      expect(await check(repo)).toEqual([]);
    });
  });
});

describe("checkRollout input", () => {
  it("takes a base without a manifest as an empty protocol: adopting twostep is a read-first rollout too", async () => {
    const repo = await repos.create({ "README.md": "no protocol yet\n" });
    await cp(SHOP_SCHEMAS, join(repo.dir, "schemas"), { recursive: true });
    const text = await repo.read(MANIFEST);
    expect(located(await check(repo))).toEqual([
      `WRITE_TARGET_UNREAD ${MANIFEST}:${lineOf(text, '"writeTarget": 1', ORDERS)}`,
      `WRITE_TARGET_UNREAD ${MANIFEST}:${lineOf(text, '"writeTarget": 1', CUSTOMERS)}`,
    ]);
  });

  it("refuses a revision that names no commit, and a directory outside git", async () => {
    const repo = await repos.shop();
    await expect(checkRollout({ cwd: repo.dir, base: "origin/nope" })).rejects.toMatchObject({ code: "UNKNOWN_REVISION", ref: "origin/nope" });
    await repo.remove(".git");
    await expect(check(repo)).rejects.toMatchObject({ code: "GIT_FAILED" });
  });

  it("refuses an invalid manifest with its file and line", async () => {
    const repo = await repos.shop();
    const text = await edit(repo, (manifest) => {
      typeNamed(manifest, ORDERS).writeTarget = 9;
    });
    await expect(check(repo)).rejects.toMatchObject({ code: "INVALID_MANIFEST", file: MANIFEST, line: lineOf(text, '"writeTarget": 9'), side: "current" });
    await repo.write(MANIFEST, text.replace('"id": 1,', '"id": 1'));
    await expect(check(repo)).rejects.toMatchObject({ code: "INVALID_MANIFEST", file: MANIFEST, line: lineOf(text, '"codec"', ORDERS) });
  });

  it("refuses a missing schema file at the manifest entry naming it, and a .proto file that does not parse", async () => {
    const repo = await repos.shop();
    const v2 = await repo.read(ORDERS_V2);
    await repo.remove(ORDERS_V2);
    const text = await repo.read(MANIFEST);
    await expect(check(repo)).rejects.toMatchObject({
      code: "SCHEMA_FILE_MISSING",
      file: MANIFEST,
      line: lineOf(text, "shop/orders/v2/order_placed.proto"),
      missingFile: ORDERS_V2,
    });
    await repo.write(ORDERS_V2, v2.replace("string customer_id = 2;", "string customer_id = ;"));
    await expect(check(repo)).rejects.toMatchObject({
      code: "PROTO_PARSE",
      file: "shop/orders/v2/order_placed.proto",
      line: lineOf(v2, "customer_id = 2"),
      side: "current",
    });
    await repo.write(ORDERS_V2, v2);
    await repo.write(CUSTOMERS_V1, '{\n  "type": "object",\n  oops\n}\n');
    await expect(check(repo)).rejects.toMatchObject({ code: "JSON_SCHEMA_PARSE", file: CUSTOMERS_V1, line: 3 });
  });
});
