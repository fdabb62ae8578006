import { RevisionConflictError } from "../errors/fleet-errors.js";
import type { ChangeAuthor } from "../records/change-note.js";
import { RECORD_FORMAT_CAPABILITY } from "../records/record-formats.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";
import type { ChangeSteps } from "./change-types.js";

/** After the record format of the fleet changed: records stored in a newer format than the fleet's are written again in it. */
export async function rewriteFormats(steps: ChangeSteps, formatRecord: WriteLevelRecord, author: ChangeAuthor): Promise<void> {
  const target = formatRecord.level ?? 1;
  const view = await steps.view();
  for (const stored of view.levels.values()) {
    if (stored.record === null || stored.capability === RECORD_FORMAT_CAPABILITY || stored.format <= target) continue;
    const note = steps.note("rewrite-format", author, `rewrite in record format ${target}`, stored.revision, []);
    await steps.plane
      .append({ kind: "level", capability: stored.capability }, steps.formats.encode("level", { ...stored.record, change: note }, target), {
        expect: stored.revision,
      })
      .catch((error: unknown) => {
        // Changed meanwhile: whoever changed it wrote it in the fleet's format.
        if (!(error instanceof RevisionConflictError)) throw error;
      });
  }
}
