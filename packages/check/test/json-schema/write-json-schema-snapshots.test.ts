import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { checkJsonSchemaSnapshots, jsonSchemaSnapshot, writeJsonSchemaSnapshots } from "@twostep/check";
import { parseManifest } from "@twostep/core";
import { shopBindings, shopManifestPath } from "@twostep/example-shop";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";

describe("the example protocol's JSON Schema snapshots", () => {
  it("are what z.toJSONSchema makes of @twostep/example-shop's zod schemas (regenerate with writeJsonSchemaSnapshots)", async () => {
    const manifest = parseManifest(await readFile(shopManifestPath, "utf8"));
    const snapshots = manifest.types.flatMap((type) =>
      type.codec === "json" ? type.versions.map((version) => ({ type: type.name, version: version.version, path: version.jsonSchema })) : [],
    );
    expect(snapshots.map((snapshot) => `${snapshot.type} v${snapshot.version}`)).toEqual(["customers.CustomerUpdated v1", "customers.CustomerUpdated v2"]);
    for (const snapshot of snapshots) {
      expect(snapshot.path, `${snapshot.type} v${snapshot.version} names a snapshot`).toBeDefined();
      const schema = shopBindings[snapshot.type]?.[snapshot.version]?.schema;
      if (schema === undefined || snapshot.path === undefined) throw new Error(`${snapshot.type} v${snapshot.version} has no schema or snapshot`);
      const committed = await readFile(join(dirname(shopManifestPath), snapshot.path), "utf8");
      expect(JSON.parse(committed)).toEqual(z.toJSONSchema(schema));
      expect(committed).toBe(jsonSchemaSnapshot(schema));
    }
  });
});

describe("writeJsonSchemaSnapshots", () => {
  let scratch: string;

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), "twostep-snapshots-"));
  });

  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  const manifest = (versions: string) => `{ "format": 1, "types": [{ "name": "a.Thing", "id": 1, "codec": "json", "versions": [${versions}] }] }`;
  const thing = z.looseObject({ id: z.string() });

  it("writes the snapshot of every version that names one, and leaves up-to-date files alone", async () => {
    const path = join(scratch, "twostep.json");
    await writeFile(path, manifest('{ "version": 1, "jsonSchema": "json/thing.v1.json" }, { "version": 2 }'));
    const bindings = { "a.Thing": { 1: { schema: thing }, 2: { schema: thing, upgrade: (x: unknown) => x, downgrade: (x: unknown) => x } } };
    const file = join(scratch, "json", "thing.v1.json");
    expect(await writeJsonSchemaSnapshots(path, bindings)).toEqual([{ type: "a.Thing", version: 1, file, changed: true }]);
    expect(await readFile(file, "utf8")).toBe(`${JSON.stringify(z.toJSONSchema(thing), null, 2)}\n`);
    expect(await writeJsonSchemaSnapshots(path, bindings)).toEqual([{ type: "a.Thing", version: 1, file, changed: false }]);
  });

  it("checkJsonSchemaSnapshots finds a missing or stale snapshot and writes nothing", async () => {
    const path = join(scratch, "twostep.json");
    await writeFile(path, manifest('{ "version": 1, "jsonSchema": "thing.v1.json" }'));
    const file = join(scratch, "thing.v1.json");
    const bindings = (schema: z.ZodType) => ({ "a.Thing": { 1: { schema } } });
    expect(await checkJsonSchemaSnapshots(path, bindings(thing))).toEqual([{ type: "a.Thing", version: 1, file, changed: true }]);
    await expect(readFile(file)).rejects.toMatchObject({ code: "ENOENT" });
    await writeJsonSchemaSnapshots(path, bindings(thing));
    expect(await checkJsonSchemaSnapshots(path, bindings(thing))).toEqual([{ type: "a.Thing", version: 1, file, changed: false }]);
    const changed = thing.extend({ name: z.string() });
    expect(await checkJsonSchemaSnapshots(path, bindings(changed))).toEqual([{ type: "a.Thing", version: 1, file, changed: true }]);
    expect(await readFile(file, "utf8")).toBe(jsonSchemaSnapshot(thing));
  });

  it("refuses, writing nothing, when a version with a snapshot path has no zod schema", async () => {
    const path = join(scratch, "twostep.json");
    await writeFile(path, manifest('{ "version": 1, "jsonSchema": "thing.v1.json" }'));
    await expect(writeJsonSchemaSnapshots(path, {})).rejects.toMatchObject({
      code: "INVALID_MANIFEST",
      issues: ["a.Thing v1 names the snapshot thing.v1.json but has no zod schema in the bindings"],
    });
    await expect(readFile(join(scratch, "thing.v1.json"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
