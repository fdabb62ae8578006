import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CannotWriteVersionError,
  CoreErrorCode,
  TwostepError,
  defineMessageType,
  defineProtocol,
  encodeEnvelopeHead,
  isTwostepError,
  parseManifest,
  protocolFromManifest,
  zodCodec,
  type Protocol,
  type VersionDefinition,
} from "@twostep/core";
import { loadProtocol } from "@twostep/core/node";
import { shopBindings } from "@twostep/example-shop";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";
import { expectTwostepError } from "./support/expect-error.js";
import { shop } from "./support/shop.js";

const codec = zodCodec(z.looseObject({ id: z.string() }));
const identity = { upgrade: (value: unknown) => value, downgrade: (value: unknown) => value };
const version = (number: number, extra: Partial<VersionDefinition> = {}): VersionDefinition => ({
  version: number,
  codec,
  ...(number > 1 ? identity : {}),
  ...extra,
});
const probe = (id: number, name = `probe.T${id}`, versions = [version(1)]) => defineMessageType({ name, id, versions });

describe("definition errors (INVALID_DEFINITION)", () => {
  test("a gap in versions names the missing version", () => {
    expectTwostepError(
      () => probe(1, "probe.Gap", [version(1), version(3)]),
      CoreErrorCode.InvalidDefinition,
      /message type "probe\.Gap": version 3 follows v1: versions must be contiguous and ascending/,
      /declare v2 \(with its migrations\) or renumber/,
    );
  });

  test.each(["upgrade", "downgrade"] as const)("a missing %s function names the version and what to attach", (missing) => {
    const { [missing]: _, ...other } = identity;
    expectTwostepError(
      () => probe(1, "probe.Missing", [version(1), { version: 2, codec, ...other }]),
      CoreErrorCode.InvalidDefinition,
      new RegExp(`v2 has no ${missing} function`),
      new RegExp(`attach ${missing}\\(\\) between v1 and v2`),
    );
  });

  test("a type without versions, with a bad id or a bad minWrite is refused", () => {
    expectTwostepError(() => probe(1, "probe.Empty", []), CoreErrorCode.InvalidDefinition, /declares no version/, /declare at least one/);
    expectTwostepError(() => probe(2 ** 32), CoreErrorCode.InvalidDefinition, /type id 4294967296 is not an integer/, /pick an unused id/);
    expectTwostepError(
      () => defineMessageType({ name: "probe.MinWrite", id: 1, versions: [version(1)], minWrite: 2 }),
      CoreErrorCode.InvalidDefinition,
      /minWrite 2 is not a declared version/,
      /pick one of v1\.\.v1/,
    );
  });

  test("a duplicate type id names both types", () => {
    expectTwostepError(
      () => defineProtocol({ types: [probe(4, "probe.A"), probe(4, "probe.B")] }),
      CoreErrorCode.InvalidDefinition,
      /message type "probe\.B": type id 4 is already used by "probe\.A"/,
      /type ids are never reused: give it an unused id/,
    );
  });

  test("a duplicate name is refused", () => {
    expectTwostepError(
      () => defineProtocol({ types: [probe(4, "probe.A"), probe(5, "probe.A")] }),
      CoreErrorCode.InvalidDefinition,
      /message type "probe\.A": the name is declared twice/,
      /declare each type once, with all its versions/,
    );
  });

  test("a legacy reading of an undeclared version is refused", () => {
    expectTwostepError(
      () => defineProtocol({ types: [probe(4, "probe.A")], legacy: { type: "probe.A", version: 2 } }),
      CoreErrorCode.InvalidDefinition,
      /legacy reading: probe\.A v2 is not a declared type and version/,
      /name a type and version that this protocol reads/,
    );
  });
});

describe("manifest errors (INVALID_MANIFEST)", () => {
  /** A deep copy of the shop manifest, to break. */
  type Draft = { format: number; legacy?: unknown; types: (Record<string, unknown> & { versions: { version: number; message?: string }[] })[] };
  const base = () => JSON.parse(JSON.stringify(shop.manifest)) as Draft;
  const orders = (draft: Draft) => draft.types[0]!;

  test.each<[string, string | ((draft: Draft) => void), RegExp]>([
    ["text that is not JSON", "{", /not valid JSON/],
    [
      "a gap in versions",
      (draft) => (orders(draft).versions[1]!.version = 3),
      /types\.0\.versions\.1: orders\.OrderPlaced v3 follows v1: versions must be contiguous/,
    ],
    ["a duplicate name", (draft) => (draft.types[1]!["name"] = "orders.OrderPlaced"), /types\.1: type name orders\.OrderPlaced is declared twice/],
    ["a duplicate id", (draft) => (draft.types[1]!["id"] = 1), /types\.1: type id 1 of customers\.CustomerUpdated is already used by orders\.OrderPlaced/],
    ["an undeclared write target", (draft) => (orders(draft)["writeTarget"] = 3), /targets writing v3, which this manifest does not declare/],
    [
      "a legacy reading of an undeclared type",
      (draft) => (draft.legacy = { type: "orders.Gone", version: 1 }),
      /legacy: legacy reading names orders\.Gone v1, which is not declared/,
    ],
    ["an unknown key", (draft) => (orders(draft)["colour"] = "blue"), /types\.0: Unrecognized key/],
    ["an unknown format", (draft) => (draft.format = 2), /format: /],
  ])("%s is refused with its path and a pointer to the format", (_, change, message) => {
    let source: unknown = change;
    if (typeof change === "function") {
      const draft = base();
      change(draft);
      source = draft;
    }
    expectTwostepError(() => parseManifest(source), CoreErrorCode.InvalidManifest, message, /fix the manifest \(see docs\/manifest\.md/);
  });

  test("bindings that miss a migration or a zod schema, or name undeclared things, are all listed at once", () => {
    const error = expectTwostepError(
      () =>
        protocolFromManifest(shop.manifest, {
          root: shop.root,
          bindings: {
            "orders.OrderPlaced": { 2: { upgrade: identity.upgrade } },
            "customers.CustomerUpdated": { 1: {}, 3: {} },
            "orders.Gone": {},
          },
        }),
      CoreErrorCode.InvalidManifest,
      /orders\.OrderPlaced v2 needs upgrade and downgrade bindings \(from and to v1\)/,
      /customers\.CustomerUpdated v1 is a json version and needs a zod schema binding/,
      /bindings of customers\.CustomerUpdated name v3, which the manifest does not declare: add it to the manifest/,
      /bindings name type orders\.Gone, which the manifest does not declare/,
    );
    expect((error as unknown as { issues: string[] }).issues.length).toBeGreaterThanOrEqual(4);
  });

  test("a protobuf version without loaded .proto files, or naming a message they lack, is refused", () => {
    expectTwostepError(
      () => protocolFromManifest(shop.manifest, { bindings: shopBindings }),
      CoreErrorCode.InvalidManifest,
      /orders\.OrderPlaced v1 is a protobuf version but no \.proto files were loaded/,
    );
    const manifest = base();
    orders(manifest).versions[1]!.message = "shop.orders.v2.OrderGone";
    expectTwostepError(
      () => protocolFromManifest(parseManifest(manifest), { root: shop.root, bindings: shopBindings }),
      CoreErrorCode.InvalidManifest,
      /orders\.OrderPlaced v2: message shop\.orders\.v2\.OrderGone is not defined in the loaded \.proto files/,
    );
  });

  describe("loading from disk", () => {
    let directory: string | undefined;
    afterEach(() => {
      if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
      directory = undefined;
    });

    test("a missing manifest file or a missing .proto file is refused with the path", () => {
      directory = mkdtempSync(join(tmpdir(), "twostep-manifest-"));
      const path = join(directory, "twostep.json");
      expectTwostepError(() => loadProtocol(path), CoreErrorCode.InvalidManifest, /cannot read the manifest .*twostep\.json/);
      const versions = [{ version: 1, proto: "missing.proto", message: "a.B" }];
      writeFileSync(path, JSON.stringify({ format: 1, types: [{ name: "a.B", id: 1, codec: "protobuf", versions }] }));
      expectTwostepError(() => loadProtocol(path), CoreErrorCode.InvalidManifest, /cannot load the \.proto files under/);
    });
  });
});

describe("runtime errors", () => {
  const orders = shop.protocol.type("orders.OrderPlaced");

  test("an unknown type id (UNKNOWN_TYPE) says which ids are known and what to deploy", () => {
    expectTwostepError(
      () => shop.protocol.decode(new Uint8Array([...encodeEnvelopeHead(99, 1), 0x0a, 0x00])),
      CoreErrorCode.UnknownType,
      /unknown message type id 99 \(this protocol defines ids 1, 2\)/,
      /deploy a build whose manifest declares type id 99/,
    );
    // A typed protocol does not compile with an unknown name: looked up untyped, as a name from outside would be.
    const untyped: Protocol = shop.protocol;
    expectTwostepError(() => untyped.type("orders.Gone"), CoreErrorCode.UnknownType, /type "orders\.Gone"/);
  });

  test("a version above what this build reads (UNKNOWN_VERSION) says to roll back the writer or upgrade", () => {
    expectTwostepError(
      () => shop.protocol.decode(encodeEnvelopeHead(1, 3)),
      CoreErrorCode.UnknownVersion,
      /orders\.OrderPlaced v3 cannot be read by this build \(it reads v1\.\.v2\)/,
      /a writer was enabled before this node got a reader; roll the writer back or upgrade this node/,
    );
  });

  test("a version below what this build reads (UNKNOWN_VERSION) points at the retirement record", () => {
    expectTwostepError(
      () => shop.protocol.decode(encodeEnvelopeHead(1, 0)),
      CoreErrorCode.UnknownVersion,
      /v0 was dropped from this build/,
      /check the retirement record/,
    );
  });

  test("a corrupt frame (CORRUPT_FRAME) says it was damaged or not written by twostep", () => {
    expectTwostepError(
      () => shop.protocol.decode(new Uint8Array([0x87, 0x81])),
      CoreErrorCode.CorruptFrame,
      /corrupt frame: type id varint is truncated/,
      /not written by a twostep encoder, or were damaged in transit/,
    );
  });

  test("a payload that does not decode (INVALID_PAYLOAD) names type and version and says to run twostep check", () => {
    const error = expectTwostepError(
      () => shop.protocol.decode(new Uint8Array([...encodeEnvelopeHead(1, 2), 0x0a, 0x05, 0x61])),
      CoreErrorCode.InvalidPayload,
      /orders\.OrderPlaced v2: payload does not match its schema: index out of range/,
      /check that the writer's schema for v2 is wire-compatible with this build's \(twostep check\)/,
    );
    expect(error.cause).toBeInstanceOf(Error);
    expectTwostepError(
      () => shop.protocol.type("customers.CustomerUpdated").encodeWire({ customerId: "" }, 1),
      CoreErrorCode.InvalidPayload,
      /customers\.CustomerUpdated v1: .*customerId: /,
    );
  });

  test("a migration that returns nothing (MIGRATION_FAILED) names the function to fix", () => {
    const type = probe(1, "probe.Broken", [version(1), version(2, { upgrade: () => undefined })]);
    expectTwostepError(
      () => defineProtocol({ types: [type] }).decode(type.encodeWire({ id: "a" }, 1)),
      CoreErrorCode.MigrationFailed,
      /probe\.Broken: migration v1 -> v2 failed: returned nothing/,
      /fix the upgrade function of v2, or write at v2/,
    );
  });

  test("writing a version this build cannot write (CANNOT_WRITE_VERSION) says what to deploy or roll forward", () => {
    expectTwostepError(
      () => orders.encode({ orderId: "o-1", items: [] }, 3),
      CoreErrorCode.CannotWriteVersion,
      /orders\.OrderPlaced: this build cannot write v3 \(it writes v1\.\.v2\)/,
      /deploy a build that declares v3 before enabling its writer/,
    );
    const readOnly = defineMessageType({ name: "probe.ReadOnly", id: 1, versions: [version(1), version(2)], minWrite: 2 });
    expectTwostepError(
      () => readOnly.encode({ id: "a" }, 1),
      CoreErrorCode.CannotWriteVersion,
      /below this build's lowest writable version; roll the write level forward/,
    );
    expect(readOnly.encodeWire({ id: "a" }, 1)[2]).toBe(1);
  });

  test("regression: with nothing open for writing and no reason given, it says so instead of naming a level", () => {
    const error = new CannotWriteVersionError("orders.OrderPlaced", null, { min: 1, max: 2 });
    expect(error.message).toBe("orders.OrderPlaced: cannot write: no level is open for writing (twostep status shows why)");
  });
});

describe("regression: fractional versions counted as declared", () => {
  test("a fractional version is neither read nor written, and no migration runs for it", () => {
    let migrations = 0;
    const type = probe(1, "probe.Fraction", [
      version(1),
      version(2, {
        downgrade: (value) => {
          migrations++;
          return value;
        },
      }),
    ]);
    expect([type.canRead(1.5), type.canWrite(1.5)]).toEqual([false, false]);
    expectTwostepError(() => type.encode({ id: "a" }, 1.5), CoreErrorCode.CannotWriteVersion, /cannot write v1\.5/);
    expect(migrations).toBe(0);
    expectTwostepError(
      () => defineProtocol({ types: [type], legacy: { type: "probe.Fraction", version: 1.5 } }),
      CoreErrorCode.InvalidDefinition,
      /probe\.Fraction v1\.5 is not a declared type and version/,
    );
  });
});

describe("isTwostepError", () => {
  test("recognises errors by their brand and code, not by class identity", () => {
    const error = new TwostepError("SOME_CODE", "message");
    expect(isTwostepError(error)).toBe(true);
    expect(isTwostepError(error, "SOME_CODE")).toBe(true);
    expect(isTwostepError(error, "OTHER_CODE")).toBe(false);
    // A copy of the package has its own class, but the same global brand.
    const copy = Object.assign(new Error("from a copy"), { code: "SOME_CODE", [Symbol.for("twostep.error")]: true });
    expect(isTwostepError(copy, "SOME_CODE")).toBe(true);
    expect(isTwostepError(new Error("plain"))).toBe(false);
    expect(isTwostepError({ code: "SOME_CODE" })).toBe(false);
  });
});
