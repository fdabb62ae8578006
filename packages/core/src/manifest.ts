import { z } from "zod";
import { InvalidManifestError } from "./errors.js";
import { formatZodIssues } from "./format-zod-issues.js";
import { MAX_VARINT } from "./varint.js";

const uint32 = z.number().int().min(0).max(MAX_VARINT);
const versionNumber = z.number().int().min(1).max(MAX_VARINT);
const typeName = z.string().regex(/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/, "must be a dotted name such as orders.OrderPlaced");

const protobufVersion = z.strictObject({
  version: versionNumber,
  /** Path of the .proto file, relative to the manifest's `protoRoot`. */
  proto: z.string().min(1),
  /** Full name of the message in that file, such as `shop.orders.v1.OrderPlaced`. */
  message: z.string().min(1),
});

const jsonVersion = z.strictObject({
  version: versionNumber,
  /** Optional JSON Schema snapshot of the version, relative to the manifest. */
  jsonSchema: z.string().min(1).optional(),
});

const rollout = {
  /** Stable numeric id, never reused. */
  id: uint32,
  /** Former names of this type, so that a rename is declared, not accidental. */
  renamedFrom: z.array(typeName).default([]),
  /** Versions declared retired: no writer uses them, and builds may drop their readers. */
  retired: z.array(versionNumber).default([]),
  /** The write level the release wants for this type (`twostep apply`, `twostep check`). */
  writeTarget: versionNumber.optional(),
};

const protobufType = z.strictObject({
  name: typeName,
  codec: z.literal("protobuf"),
  versions: z.array(protobufVersion).min(1),
  ...rollout,
});

const jsonType = z.strictObject({
  name: typeName,
  codec: z.literal("json"),
  versions: z.array(jsonVersion).min(1),
  ...rollout,
});

/** The zod schema of a protocol manifest (format 1); see docs/manifest.md. */
export const manifestSchema = z
  .strictObject({
    /** Manifest format version; only 1 exists. */
    format: z.literal(1),
    /** Directory of the .proto files and their imports, relative to the manifest. Defaults to its own. */
    protoRoot: z.string().default("."),
    /** How to read payloads that carry no envelope. */
    legacy: z.strictObject({ type: typeName, version: versionNumber }).optional(),
    /** The message types. */
    types: z.array(z.discriminatedUnion("codec", [protobufType, jsonType])),
  })
  .superRefine((manifest, context) => {
    const names = new Map<string, number>();
    const ids = new Map<number, string>();
    manifest.types.forEach((type, index) => {
      const path = ["types", index];
      if (names.has(type.name)) context.addIssue({ code: "custom", path, message: `type name ${type.name} is declared twice` });
      const sameId = ids.get(type.id);
      if (sameId !== undefined) {
        context.addIssue({ code: "custom", path, message: `type id ${type.id} of ${type.name} is already used by ${sameId}` });
      }
      names.set(type.name, index);
      ids.set(type.id, type.name);
      type.versions.forEach((version, position) => {
        const expected = (type.versions[0]?.version ?? 1) + position;
        if (version.version !== expected) {
          context.addIssue({
            code: "custom",
            path: [...path, "versions", position],
            message: `${type.name} v${version.version} follows v${expected - 1}: versions must be contiguous and ascending`,
          });
        }
      });
      const declared = new Set(type.versions.map((version) => version.version));
      const newest = Math.max(...declared);
      for (const retired of type.retired) {
        // Versions below the lowest declared one may be retired: builds drop their readers.
        if (retired > newest) {
          context.addIssue({ code: "custom", path: [...path, "retired"], message: `${type.name} retires v${retired}, which was never declared` });
        }
      }
      if (type.writeTarget !== undefined && !declared.has(type.writeTarget)) {
        context.addIssue({
          code: "custom",
          path: [...path, "writeTarget"],
          message: `${type.name} targets writing v${type.writeTarget}, which this manifest does not declare`,
        });
      }
    });
    const legacy = manifest.legacy;
    if (legacy !== undefined) {
      const type = manifest.types.find((candidate) => candidate.name === legacy.type);
      if (type === undefined || !type.versions.some((version) => version.version === legacy.version)) {
        context.addIssue({ code: "custom", path: ["legacy"], message: `legacy reading names ${legacy.type} v${legacy.version}, which is not declared` });
      }
    }
  });

/** A parsed, validated protocol manifest. */
export type Manifest = z.output<typeof manifestSchema>;

/** One message type of a {@link Manifest}. */
export type ManifestType = Manifest["types"][number];

/**
 * Parses and validates a manifest from its JSON text or an already parsed
 * value. Throws {@link InvalidManifestError} listing every problem found.
 */
export function parseManifest(source: string | unknown): Manifest {
  let value: unknown = source;
  if (typeof source === "string") {
    try {
      value = JSON.parse(source);
    } catch (cause) {
      throw new InvalidManifestError([`not valid JSON: ${(cause as Error).message}`], { cause });
    }
  }
  const result = manifestSchema.safeParse(value);
  if (!result.success) {
    throw new InvalidManifestError(formatZodIssues(result.error), { cause: result.error });
  }
  return result.data;
}
