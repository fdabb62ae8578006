import { describe, expect, it } from "vitest";
import { check, located, proto } from "../support/wire-check.js";

describe("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", () => {
  const previous = proto`
    syntax = "proto3";
    package shop;

    message Order {
      string id = 1;
      int64 amount_cents = 3;
      oneof payment { string card = 4; }
    }
  `;

  it("rejects a deleted field at its message in the current file", () => {
    const current = proto`
      syntax = "proto3";
      package shop;
      // Order now carries no amount.
      // (two comment lines move the message down)
      message Order {
        string id = 1;
        oneof payment { string card = 4; }
      }
    `;
    const violations = check(previous, current);
    expect(violations).toEqual([
      {
        rule: "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
        file: "a.proto",
        line: 5,
        column: 1,
        message: 'Previously present field "3" with name "amount_cents" on message "Order" was deleted without reserving the number "3".',
        fix: "Restore field 3, or add `reserved 3;` to message Order so that the number is never reused with another meaning.",
        element: "shop.Order.amount_cents",
      },
    ]);
  });

  it("accepts a deleted field whose number is reserved, by a single number or in a range; a reserved name is not enough", () => {
    const reserving = (reserved: string) => proto`
      syntax = "proto3";
      package shop;

      message Order {
        ${reserved}
        string id = 1;
      }
    `;
    expect(located(check(previous, reserving("reserved 3, 4;")))).toEqual([]);
    expect(located(check(previous, reserving("reserved 2 to max;")))).toEqual([]);
    expect(located(check(previous, reserving('reserved 4; reserved "amount_cents";')))).toEqual(["FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED@4:1"]);
  });

  it("reports a field deleted from a nested message and from a proto2 group at their declarations", () => {
    const before = proto`
      syntax = "proto2";
      message Order {
        message Line {
          optional string sku = 1;
          optional int32 quantity = 2;
        }
        optional group Meta = 5 {
          optional string source = 1;
        }
      }
    `;
    const after = proto`
      syntax = "proto2";
      message Order {
        message Line {
          optional string sku = 1;
        }
        optional group Meta = 5 {
        }
      }
    `;
    expect(located(check(before, after))).toEqual(["FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED@3:3", "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED@6:3"]);
  });

  it("applies to editions, and ignores messages that are gone entirely", () => {
    const before = proto`
      edition = "2023";
      message Order { int32 id = 1; int32 qty = 2; }
      message Gone { int32 id = 1; }
    `;
    const after = proto`
      edition = "2023";
      message Order { int32 id = 1; }
    `;
    expect(located(check(before, after))).toEqual(["FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED@2:1"]);
  });
});

describe("MESSAGE_SAME_REQUIRED_FIELDS", () => {
  it("rejects a proto2 required field added (at the field) or removed (at the message)", () => {
    const before = proto`
      syntax = "proto2";
      message Order {
        required string id = 1;
        optional int32 qty = 2;
      }
    `;
    const after = proto`
      syntax = "proto2";
      message Order {
        reserved 1;
        required int32 qty = 2;
      }
    `;
    const violations = check(before, after);
    expect(located(violations, "MESSAGE_SAME_REQUIRED_FIELDS")).toEqual(["MESSAGE_SAME_REQUIRED_FIELDS@2:1", "MESSAGE_SAME_REQUIRED_FIELDS@4:3"]);
    expect(violations.filter((violation) => violation.rule === "MESSAGE_SAME_REQUIRED_FIELDS").map((violation) => violation.message)).toEqual([
      'Message "Order" had required field "1" deleted. Required fields must always be sent, so if one side does not know about the required field, this will result in a breakage.',
      'Message "Order" had required field "2" added. Required fields must always be sent, so if one side does not know about the required field, this will result in a breakage.',
    ]);
  });

  it("treats editions LEGACY_REQUIRED as required", () => {
    const before = proto`
      edition = "2023";
      message Order {
        string id = 1 [features.field_presence = LEGACY_REQUIRED];
      }
    `;
    const after = proto`
      edition = "2023";
      message Order {
        string id = 1;
      }
    `;
    expect(located(check(before, after))).toEqual(["MESSAGE_SAME_REQUIRED_FIELDS@2:1", "FIELD_WIRE_COMPATIBLE_CARDINALITY@3:3"]);
    expect(located(check(after, before))).toEqual(["FIELD_WIRE_COMPATIBLE_CARDINALITY@3:3", "MESSAGE_SAME_REQUIRED_FIELDS@3:3"]);
  });

  it("accepts required fields kept as they were, renamed or moved", () => {
    const before = proto`
      syntax = "proto2";
      message Order { required string id = 1; optional int32 qty = 2; }
    `;
    const after = proto`
      syntax = "proto2";
      message Order {
        optional int32 quantity = 2;
        required string order_id = 1;
      }
    `;
    expect(check(before, after)).toEqual([]);
  });
});

describe("RESERVED_MESSAGE_NO_DELETE", () => {
  const reserving = (syntax: string, reserved: string) => proto`
    ${syntax}
    message Order {
      ${reserved}
    }
  `;

  it.each([
    ['syntax = "proto2";', 'reserved 2, 5 to 10, 20 to max; reserved "legacy";'],
    ['syntax = "proto3";', 'reserved 2, 5 to 10, 20 to max; reserved "legacy";'],
    ['edition = "2023";', "reserved 2, 5 to 10, 20 to max; reserved legacy;"],
  ])("%s rejects reserved numbers and names removed, at the message", (syntax, before) => {
    const violations = check(reserving(syntax, before), reserving(syntax, "reserved 2, 5 to 6, 9 to 10, 30 to 40;"));
    expect(located(violations)).toEqual(["RESERVED_MESSAGE_NO_DELETE@2:1", "RESERVED_MESSAGE_NO_DELETE@2:1", "RESERVED_MESSAGE_NO_DELETE@2:1"]);
    expect(violations.map((violation) => violation.message)).toEqual([
      'Previously present reserved name "legacy" on message "Order" was deleted.',
      'Previously present reserved range "[20,max]" on message "Order" is missing values: [20,29], [41,max] were removed.',
      'Previously present reserved range "[5,10]" on message "Order" is missing values: [7,8] were removed.',
    ]);
  });

  it("accepts ranges merged, split or widened", () => {
    expect(check(reserving('syntax = "proto3";', "reserved 1 to 3, 4 to 6;"), reserving('syntax = "proto3";', "reserved 1 to 2, 3, 4 to 10;"))).toEqual([]);
  });
});
