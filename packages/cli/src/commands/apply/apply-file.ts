import { readFile } from "node:fs/promises";
import { z } from "zod";
import { ApplyFileError } from "../../cli-errors.js";
import { parseJsonText } from "../../parse-json-text.js";

/** The desired write state of one capability in an apply file. */
const desiredLevel = z
  .strictObject({
    /** The level writers should use (with `percent`: the ramp target). */
    write: z.number().int().min(0),
    /** Share of writes at `write`, more than 0 and at most 100. Defaults to 100: the write level itself. */
    percent: z.number().gt(0).max(100).optional(),
    /** What the ramp's share hashes on. Defaults to `key`. */
    by: z.enum(["key", "node"]).optional(),
    /** The ramp's writers, by labels: per label a value or a list of values (any of them); every label named must match. Readers stay fleet-wide. */
    where: z
      .record(z.string().min(1), z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]))
      .transform((where) => Object.fromEntries(Object.entries(where).map(([name, values]) => [name, typeof values === "string" ? [values] : values])))
      .optional(),
  })
  .refine((level) => level.by === undefined || (level.percent !== undefined && level.percent < 100), {
    path: ["by"],
    message: "applies only to a ramp: give a percent below 100 with it, or drop it",
  });

/**
 * The zod schema of a `twostep apply` file (format 1, docs/cli.md):
 * `{ "format": 1, "levels": { "orders.OrderPlaced": { "write": 2 } } }`.
 */
export const applyFileSchema = z.strictObject({
  /** Format of the file; only 1 exists. */
  format: z.literal(1),
  /** Per capability: the write state wanted. */
  levels: z.record(z.string().min(1), desiredLevel),
});

/** A parsed `twostep apply` file. */
export type ApplyFile = z.output<typeof applyFileSchema>;

/** Parses and validates an apply file's text. Throws {@link ApplyFileError} listing every problem with its path. */
export function parseApplyFile(text: string, file: string): ApplyFile {
  const json = parseJsonText(text, (reason, cause) => new ApplyFileError(file, [`not JSON: ${reason}`], { cause }));
  const result = applyFileSchema.safeParse(json);
  if (result.success) return result.data;
  throw new ApplyFileError(
    file,
    result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
  );
}

/** Reads and validates an apply file. Throws {@link ApplyFileError} when it cannot be read or is invalid. */
export async function readApplyFile(file: string): Promise<ApplyFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new ApplyFileError(file, [`cannot read it (${reason}): check the path`], { cause: error });
  }
  return parseApplyFile(text, file);
}

/** `levels["orders.OrderPlaced"].write`: a path that names capabilities with dots unambiguously. */
function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(the file)";
  return path
    .map((segment, index) => {
      if (typeof segment === "number") return `[${segment}]`;
      const name = String(segment);
      if (/^[A-Za-z_$][\w$]*$/.test(name)) return index === 0 ? name : `.${name}`;
      return `[${JSON.stringify(name)}]`;
    })
    .join("");
}
