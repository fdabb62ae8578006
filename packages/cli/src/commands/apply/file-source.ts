import type { DeclaredOptions } from "../../declared-levels.js";
import { enableWriteRequest } from "../../enable-write-request.js";
import type { ApplyFile } from "./apply-file.js";
import type { ApplySource } from "./apply-mutation.js";

/** `twostep apply <file>`: an `enable-write` of each level of the file, in file order; nothing held back, nothing left alone. */
export function fileSource(path: string, file: ApplyFile, declared: DeclaredOptions): ApplySource {
  const steps = Object.entries(file.levels).map(([capability, wanted]) => ({ capability, request: enableWriteRequest(wanted.write, wanted) }));
  return {
    path,
    kind: "file",
    declared,
    plan: async () => ({ steps, leftAlone: null }),
    recheck: async (_, previewed) => previewed,
  };
}
