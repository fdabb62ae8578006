import { basename, dirname, extname, isAbsolute, relative, resolve } from "node:path";
import { InvalidManifestError } from "../../errors.js";
import { loadManifest } from "../load-protocol.js";
import { describeMessages } from "./protobuf-model.js";
import { printProtocolTypes, versionNamesOf, type ProtocolTypeModel, type VersionModel } from "./print-protocol-types.js";

/** Where the zod schemas of a json type's versions are exported from. */
export interface ZodSchemaSource {
  /**
   * The module: a path (absolute, or relative to the current directory; a
   * `.ts` file is imported as `.js`) or a package name.
   */
  readonly module: string;
  /** The export of each version, `{version}` standing for its number. Defaults to the type's last name segment, `V`, the version (`CustomerUpdatedV{version}`). */
  readonly exportName?: string;
}

/** Options of {@link generateProtocolTypes}. */
export interface GenerateOptions {
  /** The file the text will be written to: imports are relative to it. */
  readonly out: string;
  /** The name of the protocol shape type. Defaults to the output file's name in PascalCase (`shop-protocol.ts`: `ShopProtocol`). */
  readonly typeName?: string;
  /** Where the zod schemas of every json type are, by type name. */
  readonly zod?: Readonly<Record<string, ZodSchemaSource>>;
}

/** What {@link generateProtocolTypes} made. */
export interface GeneratedProtocolTypes {
  /** The TypeScript module to write to `out`. */
  readonly text: string;
  /** The name of the protocol shape type in it. */
  readonly typeName: string;
  /** The names given to each version's shapes. */
  readonly types: readonly {
    readonly name: string;
    readonly versions: readonly { readonly version: number; readonly value: string; readonly input: string }[];
  }[];
}

/**
 * Writes (as text) the TypeScript types of a manifest's protocol: for every
 * version of every type, the shape the codec decodes and the shape it
 * encodes from (protobuf versions from their .proto files, exactly as
 * protobufjs decodes them: 64-bit integers as `Long`, absent messages as
 * `null`; json versions as `z.infer` and `z.input` of their zod schemas), and
 * the protocol shape that types `loadProtocol` and its bindings. Throws
 * {@link InvalidManifestError} when the manifest or its .proto files do not
 * load, or a json type has no zod source.
 */
export function generateProtocolTypes(manifestPath: string, options: GenerateOptions): GeneratedProtocolTypes {
  const { manifest, root } = loadManifest(manifestPath);
  const out = resolve(options.out);
  const problems: string[] = [];
  const types: ProtocolTypeModel[] = manifest.types.map((type) => {
    const zod = options.zod?.[type.name];
    if (type.codec === "json" && zod === undefined) {
      problems.push(`${type.name} is a json type: say which module exports its zod schemas (twostep generate --zod ${type.name}=MODULE)`);
    }
    const last = type.name.split(".").at(-1) ?? type.name;
    const versions = type.versions.map((version): VersionModel => {
      if ("proto" in version) return { version: version.version, codec: "protobuf", message: version.message.replace(/^\./, "") };
      return {
        version: version.version,
        codec: "json",
        zodModule: specifierFrom(dirname(out), zod?.module ?? ""),
        zodExport: (zod?.exportName ?? `${last}V{version}`).replaceAll("{version}", String(version.version)),
      };
    });
    return { name: type.name, versions };
  });
  for (const name of Object.keys(options.zod ?? {})) {
    const type = manifest.types.find((candidate) => candidate.name === name);
    if (type === undefined || type.codec !== "json") problems.push(`--zod names ${name}, which is not a json type of the manifest`);
  }
  if (problems.length > 0) throw new InvalidManifestError(problems);
  const typeName = options.typeName ?? pascalFileName(out);
  const messages = describeMessages(
    root,
    types.flatMap((type) => type.versions.flatMap((version) => (version.codec === "protobuf" ? [version.message] : []))),
  );
  const text = printProtocolTypes({ typeName, manifest: portable(relative(dirname(out), resolve(manifestPath))), types, messages });
  const names = versionNamesOf(types);
  return {
    text,
    typeName,
    types: types.map((type) => ({
      name: type.name,
      versions: type.versions.map((version) => ({ version: version.version, ...names.get(`${type.name}@${version.version}`)! })),
    })),
  };
}

/** How the output file imports `module`: relative for a path (a TypeScript file by its JavaScript name), as is for a package. */
function specifierFrom(fromDir: string, module: string): string {
  const isPath = isAbsolute(module) || module.startsWith(".") || /\.[cm]?[jt]sx?$/.test(module);
  if (!isPath) return module;
  const path = portable(relative(fromDir, resolve(module))).replace(/\.([cm]?)tsx?$/, ".$1js");
  return path.startsWith(".") ? path : `./${path}`;
}

function pascalFileName(path: string): string {
  const name = basename(path, extname(path))
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== "")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
  return /^[A-Za-z_]/.test(name) ? name : `Protocol${name}`;
}

function portable(path: string): string {
  return path.replaceAll("\\", "/");
}
