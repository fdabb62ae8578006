import protobuf from "protobufjs";
import type { z } from "zod";
import type { Codec } from "./codec.js";
import { InvalidManifestError } from "./errors.js";
import type { Manifest, ManifestType } from "./manifest.js";
import { MessageType, type MigrationsAt, type VersionDefinition } from "./message-type.js";
import type { LowestVersion, ProtocolShape, TypeNameOf, TypeShape, VersionOf, VersionShape } from "./protocol-shape.js";
import { Protocol } from "./protocol.js";
import { protobufCodec } from "./protobuf-codec.js";
import { zodCodec } from "./zod-codec.js";

/**
 * What code attaches to one version declared in the manifest, untyped: the
 * migrations take any one argument (`never` is the parameter every function
 * accepts). {@link ProtocolBindings} of a typed protocol checks them.
 */
export interface VersionBinding {
  /** The zod schema of a `json` version (required there, refused for protobuf). */
  readonly schema?: z.ZodType;
  /** From the previous version: required above the lowest declared version. */
  readonly upgrade?: (previous: never) => unknown;
  /** To the previous version: required above the lowest declared version. */
  readonly downgrade?: (current: never) => unknown;
  /** See {@link VersionDefinition.lossless}. */
  readonly lossless?: boolean;
}

/**
 * Bindings by type name, then by version number. For a typed protocol shape
 * `P` (from `twostep generate`), every step's migrations are checked against
 * the shapes of the versions they join, every json version needs a zod
 * schema of its shape, and only declared types and versions may be named.
 */
export type ProtocolBindings<P extends ProtocolShape = ProtocolShape> = string extends keyof P ? UntypedBindings : TypedBindings<P>;

type UntypedBindings = { readonly [name: string]: { readonly [version: number]: VersionBinding } };

type TypedBindings<P extends ProtocolShape> = { readonly [N in TypeNameOf<P> as RequiredVersions<P[N]> extends never ? never : N]: TypeBindings<P[N]> } & {
  readonly [N in TypeNameOf<P> as RequiredVersions<P[N]> extends never ? N : never]?: TypeBindings<P[N]>;
};

/** The bindings of one type of shape `S`: migrations above its lowest version, zod schemas of its json versions. */
export type TypeBindings<S extends TypeShape> = { readonly [V in RequiredVersions<S>]: VersionBindingAt<S, V> } & {
  readonly [V in Exclude<VersionOf<S>, RequiredVersions<S>>]?: VersionBindingAt<S, V>;
};

/** The binding of version `V` of a type of shape `S`. */
export type VersionBindingAt<S extends TypeShape, V extends VersionOf<S>> = SchemaBinding<S[V]> &
  (V extends LowestVersion<S> ? { readonly lossless?: boolean } : MigrationsAt<S, V> & { readonly lossless?: boolean });

type SchemaBinding<Shape extends VersionShape> = Shape extends { readonly codec: "json" }
  ? { readonly schema: z.ZodType<Shape["value"], Shape["input"]> }
  : Shape extends { readonly codec: "protobuf" }
    ? { readonly schema?: never }
    : { readonly schema?: z.ZodType<Shape["value"], Shape["input"]> };

/** The versions that need a binding: every one above the lowest, and json ones (for their schema). */
type RequiredVersions<S extends TypeShape> = {
  [V in VersionOf<S>]: V extends LowestVersion<S> ? (S[V] extends { readonly codec: "json" } ? V : never) : V;
}[VersionOf<S>];

/** What {@link protocolFromManifest} needs besides the manifest. */
export interface ManifestSources<P extends ProtocolShape = ProtocolShape> {
  /** A protobufjs root with every .proto file the manifest names already loaded. */
  readonly root?: protobuf.Root;
  /** Migrations and zod schemas, attached in code. */
  readonly bindings?: ProtocolBindings<P>;
}

/**
 * Builds a {@link Protocol} from a validated manifest, the protobuf types it
 * names and the migrations and schemas attached in code. Throws
 * {@link InvalidManifestError} listing every missing message, schema or
 * migration, and every binding of a type or version the manifest lacks.
 */
export function protocolFromManifest<P extends ProtocolShape = ProtocolShape>(manifest: Manifest, sources: ManifestSources<P> = {}): Protocol<P> {
  const problems: string[] = [];
  // Checked against `P` by the compiler; from here on, checked against the manifest.
  const bindings = (sources.bindings ?? {}) as UntypedBindings;
  for (const [name, versions] of Object.entries(bindings)) {
    const type = manifest.types.find((candidate) => candidate.name === name);
    if (type === undefined) {
      problems.push(`bindings name type ${name}, which the manifest does not declare`);
      continue;
    }
    for (const version of Object.keys(versions)) {
      if (!type.versions.some((declared) => String(declared.version) === version)) {
        problems.push(`bindings of ${name} name v${version}, which the manifest does not declare: add it to the manifest`);
      }
    }
  }
  const types = manifest.types.map((type) => {
    const versions = type.versions.map((declared, index): VersionDefinition | undefined => {
      const binding = bindings[type.name]?.[declared.version] ?? {};
      const codec = codecFor(type, declared, binding, sources.root, problems);
      if (index > 0 && (binding.upgrade === undefined || binding.downgrade === undefined)) {
        problems.push(`${type.name} v${declared.version} needs upgrade and downgrade bindings (from and to v${declared.version - 1})`);
      }
      if (codec === undefined) return undefined;
      return { version: declared.version, codec, ...migrations(binding) };
    });
    return { type, versions };
  });
  if (problems.length > 0) throw new InvalidManifestError(problems);
  return new Protocol<P>({
    types: types.map(({ type, versions }) => new MessageType({ name: type.name, id: type.id, versions: versions as VersionDefinition[] })),
    ...(manifest.legacy === undefined ? {} : { legacy: manifest.legacy }),
  });
}

function codecFor(
  type: ManifestType,
  declared: ManifestType["versions"][number],
  binding: VersionBinding,
  root: protobuf.Root | undefined,
  problems: string[],
): Codec<unknown> | undefined {
  const label = `${type.name} v${declared.version}`;
  if (!("proto" in declared)) {
    if (binding.schema !== undefined) return zodCodec(binding.schema);
    problems.push(`${label} is a json version and needs a zod schema binding`);
    return undefined;
  }
  if (binding.schema !== undefined) problems.push(`${label} is a protobuf version; remove its zod schema binding`);
  if (root === undefined) {
    problems.push(`${label} is a protobuf version but no .proto files were loaded`);
    return undefined;
  }
  const message = root.lookup(declared.message.replace(/^\.?/, "."));
  if (!(message instanceof protobuf.Type)) {
    problems.push(`${label}: message ${declared.message} is not defined in the loaded .proto files`);
    return undefined;
  }
  if (message.filename !== null && !message.filename.replaceAll("\\", "/").endsWith(declared.proto)) {
    problems.push(`${label}: message ${declared.message} is defined in ${message.filename}, not in ${declared.proto}`);
  }
  return protobufCodec(message);
}

function migrations(binding: VersionBinding): Partial<VersionDefinition> {
  return {
    ...(binding.upgrade === undefined ? {} : { upgrade: binding.upgrade }),
    ...(binding.downgrade === undefined ? {} : { downgrade: binding.downgrade }),
    ...(binding.lossless === undefined ? {} : { lossless: binding.lossless }),
  };
}
