import { readProtoTree } from "../proto/index.js";
import type { Violation } from "../violation/index.js";
import { compareProtoFiles } from "./compare-proto-files.js";

/**
 * Compares the `.proto` files under two directories with buf's WIRE rules:
 * {@link readProtoTree} on each, then {@link compareProtoFiles}. Imports
 * resolve against each directory, as with `protoc -I dir`. Violations name
 * files relative to `currentDir`; errors name the directory and the file.
 */
export async function compareProtoTrees(previousDir: string, currentDir: string): Promise<Violation[]> {
  const [previous, current] = await Promise.all([readProtoTree(previousDir), readProtoTree(currentDir)]);
  return compareProtoFiles(previous, current, { previousRoot: previousDir, currentRoot: currentDir });
}
