import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compareProtoTrees, type Violation } from "@twostep/check";
import { describe, expect, it } from "vitest";

// Each fixture was run through `buf breaking` (buf 1.75.0, WIRE category):
// see fixtures/buf/README.md. We report what buf reports (rule, file, line,
// column, message), except for the deviations below, each on purpose.
const FIXTURES = join(import.meta.dirname, "fixtures", "buf");

type Reported = Omit<Violation, "fix">;

const DEVIATIONS: Readonly<Record<string, { readonly why: string; readonly drop: readonly Reported[]; readonly add: readonly Reported[] }>> = {
  "proto2-defaults-and-rpcs": {
    why: "buf has no position for a removed idempotency_level option and reports line 1; we point at the rpc",
    drop: [idempotencyRemoved(1, 1)],
    add: [idempotencyRemoved(23, 3)],
  },
  "editions-presence-and-encoding": {
    why: "buf 1.75 counts only proto2 `required` in MESSAGE_SAME_REQUIRED_FIELDS; an editions LEGACY_REQUIRED field breaks old readers the same way",
    drop: [],
    add: [
      {
        rule: "MESSAGE_SAME_REQUIRED_FIELDS",
        file: "a.proto",
        line: 3,
        column: 1,
        message:
          'Message "M" had required field "3" deleted. Required fields must always be sent, so if one side does not know about the required field, this will result in a breakage.',
      },
      {
        rule: "MESSAGE_SAME_REQUIRED_FIELDS",
        file: "a.proto",
        line: 11,
        column: 3,
        message:
          'Message "M" had required field "8" added. Required fields must always be sent, so if one side does not know about the required field, this will result in a breakage.',
      },
    ],
  },
};

function idempotencyRemoved(line: number, column: number): Reported {
  return {
    rule: "RPC_SAME_IDEMPOTENCY_LEVEL",
    file: "a.proto",
    line,
    column,
    message: 'RPC "E" on service "S" changed option "idempotency_level" from "IDEMPOTENT" to "IDEMPOTENCY_UNKNOWN".',
  };
}

function key(violation: Reported): string {
  return `${violation.file}:${violation.line}:${violation.column ?? 0} ${violation.rule} ${violation.message}`;
}

describe("parity with buf breaking (WIRE)", () => {
  const cases = readdirSync(FIXTURES, { withFileTypes: true }).filter((entry) => entry.isDirectory());

  it("has its fixtures", () => {
    expect(cases.length).toBeGreaterThanOrEqual(18);
  });

  it.each(cases.map((entry) => entry.name))("%s", async (name) => {
    const dir = join(FIXTURES, name);
    const buf = JSON.parse(readFileSync(join(dir, "buf.json"), "utf8")) as Reported[];
    const deviation = DEVIATIONS[name];
    const dropped = new Set((deviation?.drop ?? []).map(key));
    const expected = [...buf.filter((violation) => !dropped.has(key(violation))), ...(deviation?.add ?? [])];
    expect(dropped.size).toBe(buf.length - buf.filter((violation) => !dropped.has(key(violation))).length);

    const ours = await compareProtoTrees(join(dir, "previous"), join(dir, "current"));
    expect(ours.map(({ fix: _fix, ...reported }) => key(reported)).sort()).toEqual(expected.map(key).sort());
    expect(ours.every((violation) => violation.fix.length > 0)).toBe(true);
  });
});
