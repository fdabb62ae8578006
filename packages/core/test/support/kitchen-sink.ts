import { fileURLToPath } from "node:url";
import { loadManifest } from "@twostep/core/node";
import type protobuf from "protobufjs";

/** The kitchen-sink manifest: its .proto files hold every kind of field protobufjs supports. */
export const kitchenSinkManifestPath = fileURLToPath(new URL("../fixtures/kitchen-sink/twostep.json", import.meta.url));

/**
 * A protobufjs root with every kind of field (all scalars, enums with a
 * negative value, recursion, repeated packed and unpacked, maps of every key
 * kind, a oneof, proto3 `optional`, proto2 required fields, defaults and a
 * group; editions with implicit presence and a closed enum): what a codec,
 * an arbitrary builder and the type generator must all get right.
 */
export function kitchenSinkRoot(): protobuf.Root {
  return loadManifest(kitchenSinkManifestPath).root;
}

/** Full names of the kitchen-sink messages of proto2 and proto3. */
export const kitchenSinkMessages = ["sink.Everything", "sink.Everything.Nested", "sink2.Legacy"] as const;
