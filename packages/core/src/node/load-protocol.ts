import { readFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import protobuf from "protobufjs";
import { InvalidManifestError } from "../errors.js";
import { parseManifest, type Manifest } from "../manifest.js";
import type { Protocol } from "../protocol.js";
import { protocolFromManifest, type ProtocolBindings } from "../protocol-from-manifest.js";
import type { ProtocolShape } from "../protocol-shape.js";

/** What {@link loadManifest} returns. */
export interface LoadedManifest {
  /** The validated manifest, with its rollout state. */
  readonly manifest: Manifest;
  /** The protobufjs root holding every loaded .proto file. */
  readonly root: protobuf.Root;
  /** Every .proto file loaded (imports included), relative to the proto root. */
  readonly files: readonly string[];
}

/** What {@link loadProtocol} returns. */
export interface LoadedProtocol<P extends ProtocolShape = ProtocolShape> extends LoadedManifest {
  /** The protocol, ready to encode and decode. */
  readonly protocol: Protocol<P>;
}

/** Options of {@link loadProtocol}: the bindings are required for a typed protocol. */
export type LoadProtocolOptions<P extends ProtocolShape = ProtocolShape> = string extends keyof P
  ? { readonly bindings?: ProtocolBindings }
  : { readonly bindings: ProtocolBindings<P> };

/**
 * Reads a manifest file, loads the .proto files it names (with their imports,
 * resolved against the manifest's `protoRoot`), and builds the protocol with
 * the migrations and zod schemas given in code. Throws
 * {@link InvalidManifestError} when the manifest is malformed, a file is
 * missing or does not parse, or a type does not resolve. Give it the
 * protocol shape that `twostep generate` wrote from the same manifest
 * (`loadProtocol<ShopProtocol>(...)`) for a typed protocol and typed bindings.
 */
export function loadProtocol<P extends ProtocolShape = ProtocolShape>(
  manifestPath: string,
  ...[options]: string extends keyof P ? [options?: LoadProtocolOptions<P>] : [options: LoadProtocolOptions<P>]
): LoadedProtocol<P> {
  const loaded = loadManifest(manifestPath);
  const bindings = options?.bindings as ProtocolBindings<P> | undefined;
  const protocol = protocolFromManifest<P>(loaded.manifest, { root: loaded.root, ...(bindings === undefined ? {} : { bindings }) });
  return { ...loaded, protocol };
}

/**
 * Reads and validates a manifest file and loads the .proto files it names,
 * with their imports, resolved against its `protoRoot`. Throws
 * {@link InvalidManifestError} like {@link loadProtocol}.
 */
export function loadManifest(manifestPath: string): LoadedManifest {
  const manifest = parseManifest(readManifest(manifestPath));
  const protoRoot = resolve(dirname(manifestPath), manifest.protoRoot);
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : resolve(protoRoot, target));
  const entryFiles = [...new Set(manifest.types.flatMap((type) => type.versions.flatMap((version) => ("proto" in version ? [version.proto] : []))))];
  if (entryFiles.length > 0) {
    try {
      root.loadSync(entryFiles, { alternateCommentMode: true });
      root.resolveAll();
    } catch (cause) {
      throw new InvalidManifestError([`cannot load the .proto files under ${protoRoot}: ${(cause as Error).message}`], { cause });
    }
  }
  return { manifest, root, files: root.files.map((file) => relative(protoRoot, file)) };
}

function readManifest(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (cause) {
    throw new InvalidManifestError([`cannot read the manifest ${path}: ${(cause as Error).message}`], { cause });
  }
}
