import { describe, expect, it } from "vitest";
import { check, located, proto } from "../support/wire-check.js";

const enumIn = (syntax: string, body: string) => proto`
  ${syntax}
  package shop;
  message Order {
    enum Status {
      ${body}
    }
  }
`;

describe("ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", () => {
  it.each(['syntax = "proto2";', 'syntax = "proto3";', 'edition = "2023";'])("%s rejects a deleted value at its enum", (syntax) => {
    const violations = check(enumIn(syntax, "STATUS_UNKNOWN = 0; PAID = 1; SHIPPED = 2;"), enumIn(syntax, "STATUS_UNKNOWN = 0; PAID = 1;"));
    expect(violations).toEqual([
      {
        rule: "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
        file: "a.proto",
        line: 4,
        column: 3,
        message: 'Previously present enum value "2" on enum "Status" was deleted without reserving the number "2".',
        fix: "Restore the value numbered 2, or add `reserved 2;` to enum Status so that the number is never reused with another meaning.",
        element: "shop.Order.Status",
      },
    ]);
  });

  it("accepts a deleted value whose number is reserved, or still held by an alias; accepts renamed values", () => {
    const before = enumIn('syntax = "proto3";', "option allow_alias = true; UNKNOWN = 0; PAID = 1; PAYED = 1; SHIPPED = 2; LOST = -1;");
    expect(check(before, enumIn('syntax = "proto3";', "UNKNOWN = 0; PAYED = 1; reserved 2, -1;"))).toEqual([]);
    expect(check(before, enumIn('syntax = "proto3";', "UNKNOWN = 0; SETTLED = 1; reserved -5 to -1, 2 to 5;"))).toEqual([]);
    expect(located(check(before, enumIn('syntax = "proto3";', "UNKNOWN = 0; PAID = 1; SHIPPED = 2;")))).toEqual([
      "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED@4:3",
    ]);
  });
});

describe("RESERVED_ENUM_NO_DELETE", () => {
  it.each([
    ['syntax = "proto2";', 'reserved 5 to max; reserved "OLD";'],
    ['syntax = "proto3";', 'reserved 5 to max; reserved "OLD";'],
    ['edition = "2023";', "reserved 5 to max; reserved OLD;"],
  ])("%s rejects reserved numbers and names removed, at the enum", (syntax, reserved) => {
    const violations = check(enumIn(syntax, `UNKNOWN = 0; ${reserved}`), enumIn(syntax, "UNKNOWN = 0; reserved 5 to 7;"));
    expect(located(violations)).toEqual(["RESERVED_ENUM_NO_DELETE@4:3", "RESERVED_ENUM_NO_DELETE@4:3"]);
    expect(violations.map((violation) => violation.message)).toEqual([
      'Previously present reserved name "OLD" on enum "Status" was deleted.',
      'Previously present reserved range "[5,max]" on enum "Status" is missing values: [8,max] were removed.',
    ]);
  });

  it("accepts reservations kept, merged or widened", () => {
    const before = enumIn('syntax = "proto3";', 'UNKNOWN = 0; reserved 5, 6, 7 to 9; reserved "OLD";');
    expect(check(before, enumIn('syntax = "proto3";', 'UNKNOWN = 0; reserved 4 to 10; reserved "OLD", "OLDER";'))).toEqual([]);
  });
});
