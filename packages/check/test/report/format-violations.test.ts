import { formatViolationsAsGithubAnnotations, formatViolationsAsText, type Violation } from "@twostep/check";
import { describe, expect, it } from "vitest";

const violations: Violation[] = [
  {
    rule: "FIELD_WIRE_COMPATIBLE_TYPE",
    file: "shop/orders.proto",
    line: 12,
    column: 3,
    message: 'Field "3" with name "amount" on message "Order" changed type from "int32" to "string".',
    fix: "Change the type back to int32. To make this change, add a new field with a new number.",
  },
  {
    rule: "FILE_SAME_PACKAGE",
    file: "a,b:c.proto",
    line: 1,
    message: "100% moved",
    fix: "Restore it.",
  },
];

describe("formatViolationsAsText", () => {
  it("prints file:line:column, the rule, the message and the fix", () => {
    expect(formatViolationsAsText(violations)).toBe(
      'shop/orders.proto:12:3: FIELD_WIRE_COMPATIBLE_TYPE Field "3" with name "amount" on message "Order" changed type from "int32" to "string".\n' +
        "  fix: Change the type back to int32. To make this change, add a new field with a new number.\n" +
        "a,b:c.proto:1: FILE_SAME_PACKAGE 100% moved\n" +
        "  fix: Restore it.\n",
    );
    expect(formatViolationsAsText([])).toBe("");
  });
});

describe("formatViolationsAsGithubAnnotations", () => {
  it("prints one escaped ::error command per violation, with the fix on a second line", () => {
    expect(formatViolationsAsGithubAnnotations(violations, { pathPrefix: "schemas/" })).toBe(
      "::error file=schemas/shop/orders.proto,line=12,col=3,title=FIELD_WIRE_COMPATIBLE_TYPE::" +
        'Field "3" with name "amount" on message "Order" changed type from "int32" to "string".%0A' +
        "Change the type back to int32. To make this change, add a new field with a new number.\n" +
        "::error file=schemas/a%2Cb%3Ac.proto,line=1,title=FILE_SAME_PACKAGE::100%25 moved%0ARestore it.\n",
    );
    expect(formatViolationsAsGithubAnnotations([])).toBe("");
  });

  it("keeps JSON output plain data", () => {
    expect(JSON.parse(JSON.stringify(violations))).toEqual(violations);
  });
});
