import { readFile } from "node:fs/promises";
import { isAbsolute, join, posix, relative, sep } from "node:path";
import { CHECK_CONFIG_FILE, dropIgnored, parseCheckConfig, type IgnoreRule } from "../config/index.js";
import { ProtoReadError } from "../errors/index.js";
import { openGitRevision } from "../git/index.js";
import { readProtocolSnapshot, type FileSource } from "../snapshot/index.js";
import { sortViolations, type Violation } from "../violation/index.js";
import { checkFleetReadiness } from "./check-fleet-readiness.js";
import { checkFleetRetirements } from "./check-fleet-retirements.js";
import { checkShippedJsonSchemas } from "./check-shipped-json-schemas.js";
import { checkShippedProtos } from "./check-shipped-protos.js";
import { checkTypeIdentity } from "./check-type-identity.js";
import { checkVersionOrder } from "./check-version-order.js";
import { type FleetAccess, liveFleet } from "./fleet-access.js";
import { pairManifestTypes } from "./pair-manifest-types.js";

/** The default manifest path, relative to the directory checked. */
const DEFAULT_MANIFEST_PATH = "schemas/twostep.json";

/** Options of {@link checkRollout}. */
export interface CheckRolloutOptions {
  /** The directory checked: its working tree is the change (HEAD); it must be inside a git repository. */
  readonly cwd: string;
  /** The git revision to compare with, such as `origin/main` or a commit id. It is read with git, never checked out. */
  readonly base: string;
  /** Path of the protocol manifest, relative to `cwd`. Defaults to `schemas/twostep.json`. */
  readonly manifestPath?: string;
  /**
   * The live fleet: with it, a raised write target must also be read by every member (FLEET_NOT_READ_READY), and a
   * version marked retired or whose reader is dropped must be retired in the fleet (FLEET_NOT_RETIRED); FLEET_UNREACHABLE
   * when it cannot be asked.
   */
  readonly fleet?: FleetAccess;
}

/**
 * Compares the protocol manifest and its schemas in the working tree at
 * `cwd` with those at git revision `base`, and returns the violations of the
 * rollout rules ({@link RolloutRule}), of buf's WIRE rules on the shipped
 * protobuf versions, and of the JSON Schema rules ({@link JsonSchemaRule}) on
 * the snapshots of shipped JSON versions; sorted by file, line and rule, with
 * files relative to `cwd`. An empty array: the change is safe to merge.
 * Breaking schema changes accepted on purpose in the working tree's
 * `twostep-check.yaml` beside the manifest are left out (never a rollout
 * rule's violation).
 *
 * A base without the manifest counts as an empty protocol. Throws
 * `UnknownRevisionError` when `base` names no commit, `GitError` when git
 * fails, `ProtoReadError` when the manifest is missing at HEAD,
 * `ManifestSourceError` for an invalid manifest, `SchemaFileMissingError`
 * for a file the HEAD manifest names that does not exist, and the
 * `SchemaSourceError`s of .proto files and snapshots that do not parse
 * (and `CheckConfigError` for a `twostep-check.yaml` it cannot use):
 * each with file and line.
 */
export async function checkRollout(options: CheckRolloutOptions): Promise<Violation[]> {
  const manifestFile = toPosix(options.manifestPath ?? DEFAULT_MANIFEST_PATH, options.cwd);
  const revision = await openGitRevision(options.cwd, options.base);
  const workingTree: FileSource = { side: "current", root: undefined, read: (paths) => readWorkingTree(options.cwd, paths) };
  const baseTree: FileSource = { side: "previous", root: `${options.base}:.`, read: (paths) => revision.read(paths) };
  const [base, head, accepted] = await Promise.all([
    readProtocolSnapshot(baseTree, manifestFile),
    readProtocolSnapshot(workingTree, manifestFile),
    readAccepted(options.cwd, posix.dirname(manifestFile)),
  ]);
  if (head.manifest === undefined) return [];
  const pairs = pairManifestTypes(base.manifest, head.manifest);
  const out: Violation[] = [];
  checkTypeIdentity(head, pairs, out);
  checkVersionOrder(head, pairs, out);
  checkShippedProtos(base, head, pairs, out);
  checkShippedJsonSchemas(base, head, pairs, out);
  if (options.fleet !== undefined) {
    const fleet = liveFleet(options.fleet);
    await checkFleetReadiness(head, pairs, fleet, out);
    await checkFleetRetirements(head, pairs, fleet, out);
  }
  return sortViolations(dropIgnored(out, accepted));
}

// The working tree's twostep-check.yaml beside the manifest, its paths relative to `cwd` as the violations' are.
async function readAccepted(cwd: string, manifestDir: string): Promise<IgnoreRule[]> {
  const file = posix.join(manifestDir, CHECK_CONFIG_FILE);
  const text = (await readWorkingTree(cwd, [file])).get(file);
  return text === undefined ? [] : parseCheckConfig(text, { file, side: "current" }, manifestDir);
}

// A path relative to `cwd` with `/` separators, as git and the manifest name files.
function toPosix(path: string, cwd: string): string {
  const relativePath = isAbsolute(path) ? relative(cwd, path) : path;
  return posix.normalize(relativePath.split(sep).join("/"));
}

async function readWorkingTree(cwd: string, paths: readonly string[]): Promise<Map<string, string | undefined>> {
  const texts = await Promise.all(
    paths.map(async (path) => {
      try {
        return await readFile(join(cwd, path), "utf8");
      } catch (error) {
        // Missing is an answer (the caller decides what it means); anything else is a failure to read.
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return undefined;
        throw new ProtoReadError(path, { cause: error });
      }
    }),
  );
  return new Map(paths.map((path, index) => [path, texts[index]]));
}
