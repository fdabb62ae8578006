import { describe, expect, it } from "vitest";
import { check, located, proto } from "../support/wire-check.js";

// Renders one proto3 message with a single field of the given declaration.
function proto3Field(declaration: string): string {
  return proto`
    syntax = "proto3";
    package shop;
    message Order {
      ${declaration}
    }
    message Money { int64 units = 1; }
    message Other { int64 units = 1; }
    enum Status { STATUS_UNSPECIFIED = 0; }
  `;
}

describe("FIELD_WIRE_COMPATIBLE_TYPE", () => {
  it.each([
    ["int32", "int64"],
    ["int32", "uint32"],
    ["uint64", "int32"],
    ["int64", "bool"],
    ["sint32", "sint64"],
    ["fixed32", "sfixed32"],
    ["sfixed64", "fixed64"],
    ["string", "bytes"],
  ])("accepts %s -> %s, which keep the wire encoding", (before, after) => {
    expect(check(proto3Field(`${before} amount = 3;`), proto3Field(`${after} amount = 3;`))).toEqual([]);
  });

  it.each([
    ["int32", "string"],
    ["int32", "sint32"],
    ["fixed32", "fixed64"],
    ["float", "double"],
    ["int64", "fixed64"],
    ["bytes", "Money"],
    ["Money", "bytes"],
    ["Status", "int32"],
    ["int32", "Status"],
    ["Money", "Status"],
  ])("rejects %s -> %s at the type, line 4 column 3", (before, after) => {
    expect(located(check(proto3Field(`${before} amount = 3;`), proto3Field(`${after} amount = 3;`)))).toEqual(["FIELD_WIRE_COMPATIBLE_TYPE@4:3"]);
  });

  it("words the violation as buf does", () => {
    const [violation] = check(proto3Field("int32 amount = 3;"), proto3Field("string amount = 3;"));
    expect(violation).toMatchObject({
      rule: "FIELD_WIRE_COMPATIBLE_TYPE",
      file: "a.proto",
      line: 4,
      column: 3,
      message:
        'Field "3" with name "amount" on message "Order" changed type from "int32" to "string". ' +
        "See https://developers.google.com/protocol-buffers/docs/proto3#updating for wire compatibility rules.",
    });
    expect(violation?.fix).toContain("int64, uint32, uint64, bool");
  });

  it("notes that bytes -> string is only safe for UTF-8 data", () => {
    const [violation] = check(proto3Field("bytes note = 3;"), proto3Field("string note = 3;"));
    expect(violation?.message).toContain("there is no way to enforce that a bytes field is UTF-8");
  });

  it("rejects another message type, naming both in full", () => {
    const violations = check(proto3Field("Money total = 5;"), proto3Field("Other total = 5;"));
    expect(located(violations)).toEqual(["FIELD_WIRE_COMPATIBLE_TYPE@4:3"]);
    expect(violations[0]?.message).toBe('Field "5" with name "total" on message "Order" changed type from "shop.Money" to "shop.Other".');
  });

  it("accepts a renamed field and a field moved to another line", () => {
    const previous = proto3Field("int32 amount = 3;");
    const current = proto`
      syntax = "proto3";
      package shop;
      message Order {
        string note = 4;
        int64 amount_cents = 3;
      }
      message Money { int64 units = 1; }
      message Other { int64 units = 1; }
      enum Status { STATUS_UNSPECIFIED = 0; }
    `;
    expect(check(previous, current)).toEqual([]);
  });

  it("accepts an enum moved to another scope under the same name with all its values, and rejects one that lost a value", () => {
    const previous = proto`
      syntax = "proto3";
      package shop;
      enum Status { UNKNOWN = 0; PAID = 1; }
      message Order { Status status = 1; Status other = 2; }
      message V2 { enum Status { UNKNOWN = 0; PAID = 1; SHIPPED = 2; } }
      message V3 { enum Status { UNKNOWN = 0; } }
    `;
    const current = proto`
      syntax = "proto3";
      package shop;
      enum Status { UNKNOWN = 0; PAID = 1; }
      message Order { V2.Status status = 1; V3.Status other = 2; }
      message V2 { enum Status { UNKNOWN = 0; PAID = 1; SHIPPED = 2; } }
      message V3 { enum Status { UNKNOWN = 0; } }
    `;
    const violations = check(previous, current);
    expect(located(violations)).toEqual(["FIELD_WIRE_COMPATIBLE_TYPE@4:39"]);
    expect(violations[0]?.message).toContain('from "shop.Status" to "shop.V3.Status"');
  });

  it("checks map entries: a new value type is reported at the map field", () => {
    const violations = check(proto3Field("map<string, int32> counts = 6;"), proto3Field("map<string, string> counts = 6;"));
    expect(located(violations)).toEqual(["FIELD_WIRE_COMPATIBLE_TYPE@4:3"]);
    expect(violations[0]?.message).toContain('Field "2" with name "value" on message "CountsEntry"');
  });

  it("rejects a proto2 group that became a message field, and an editions field that became delimited", () => {
    const group = proto`
      syntax = "proto2";
      message Order {
        optional group Item = 4 { optional int32 sku = 1; }
      }
    `;
    const message = proto`
      syntax = "proto2";
      message Order {
        optional Item item = 4;
        message Item { optional int32 sku = 1; }
      }
    `;
    expect(check(group, message).map((violation) => `${violation.line}:${violation.column} ${violation.message}`)).toEqual([
      '3:12 Field "4" with name "item" on message "Order" changed type from "group" to "message". ' +
        "See https://developers.google.com/protocol-buffers/docs/proto3#updating for wire compatibility rules.",
    ]);
    const editions = (options: string) => proto`
      edition = "2023";
      message Order {
        Item item = 4${options};
      }
      message Item { int32 sku = 1; }
    `;
    const violations = check(editions(""), editions(" [features.message_encoding = DELIMITED]"));
    expect(located(violations)).toEqual(["FIELD_WIRE_COMPATIBLE_TYPE@3:3"]);
    expect(violations[0]?.message).toContain('from "message" to "message (delimited encoding)"');
  });

  it("checks extensions, paired by extended message and number", () => {
    const previous = proto`
      syntax = "proto2";
      package shop;
      message Order { extensions 100 to 199; }
      extend Order { optional int32 priority = 100; }
    `;
    const current = proto`
      syntax = "proto2";
      package shop;
      message Order { extensions 100 to 199; }
      message Scope {
        extend Order { optional string urgency = 100; }
      }
    `;
    const violations = check(previous, current);
    expect(located(violations)).toEqual(["FIELD_WIRE_COMPATIBLE_TYPE@5:27"]);
    expect(violations[0]?.message).toMatch(/^Extension "100" with name "shop.Scope.urgency" on message "shop.Order" changed type/);
  });
});

describe("FIELD_WIRE_COMPATIBLE_CARDINALITY", () => {
  it("accepts proto3 optional <-> implicit presence, and packed <-> expanded", () => {
    expect(check(proto3Field("optional int32 amount = 3;"), proto3Field("int32 amount = 3;"))).toEqual([]);
    expect(check(proto3Field("repeated int32 ids = 3;"), proto3Field("repeated int32 ids = 3 [packed = false];"))).toEqual([]);
  });

  it("rejects proto3 singular -> repeated, for messages too", () => {
    expect(located(check(proto3Field("int32 amount = 3;"), proto3Field("repeated int32 amount = 3;")))).toEqual(["FIELD_WIRE_COMPATIBLE_CARDINALITY@4:3"]);
    const violations = check(proto3Field("repeated Money totals = 3;"), proto3Field("Money totals = 3;"));
    expect(violations.map((violation) => violation.message)).toEqual([
      'Field "3" with name "totals" on message "Order" changed cardinality from "repeated" to "optional with explicit presence".',
    ]);
  });

  it("rejects proto2 required <-> optional and optional -> repeated, accepts packed changes", () => {
    const previous = proto`
      syntax = "proto2";
      message Order {
        required int32 a = 1;
        optional int32 b = 2;
        optional int32 c = 3;
        repeated int32 d = 4 [packed = true];
      }
    `;
    const current = proto`
      syntax = "proto2";
      message Order {
        optional int32 a = 1;
        required int32 b = 2;
        repeated int32 c = 3;
        repeated int32 d = 4;
      }
    `;
    expect(located(check(previous, current), "FIELD_WIRE_COMPATIBLE_CARDINALITY")).toEqual([
      "FIELD_WIRE_COMPATIBLE_CARDINALITY@3:3",
      "FIELD_WIRE_COMPATIBLE_CARDINALITY@4:3",
      "FIELD_WIRE_COMPATIBLE_CARDINALITY@5:3",
    ]);
  });

  it("follows editions features: presence changes are compatible, LEGACY_REQUIRED and repeated are not", () => {
    const previous = proto`
      edition = "2023";
      message Order {
        int32 a = 1;
        int32 b = 2 [features.field_presence = IMPLICIT];
        int32 c = 3 [features.field_presence = LEGACY_REQUIRED];
        repeated int32 d = 4;
        repeated int32 e = 5;
      }
    `;
    const current = proto`
      edition = "2023";
      message Order {
        int32 a = 1 [features.field_presence = IMPLICIT];
        int32 b = 2;
        int32 c = 3;
        repeated int32 d = 4 [features.repeated_field_encoding = EXPANDED];
        int32 e = 5;
      }
    `;
    expect(located(check(previous, current), "FIELD_WIRE_COMPATIBLE_CARDINALITY")).toEqual([
      "FIELD_WIRE_COMPATIBLE_CARDINALITY@5:3",
      "FIELD_WIRE_COMPATIBLE_CARDINALITY@7:3",
    ]);
  });
});

describe("FIELD_SAME_DEFAULT", () => {
  const proto2 = (field: string) => proto`
    syntax = "proto2";
    enum Level { LOW = 1; HIGH = 2; }
    message Order {
      ${field}
    }
  `;

  it("rejects a changed proto2 default at the option", () => {
    const violations = check(proto2("optional int32 quantity = 1 [default = 1];"), proto2("optional int32 quantity = 1 [default = 2];"));
    expect(located(violations)).toEqual(["FIELD_SAME_DEFAULT@4:32"]);
    expect(violations[0]?.message).toBe('Field "1" with name "quantity" on message "Order" changed default value from 1 to 2.');
  });

  it("rejects a removed default at the field, since the type's zero takes over", () => {
    const violations = check(proto2('optional string note = 1 [default = "none"];'), proto2("optional string note = 1;"));
    expect(located(violations)).toEqual(["FIELD_SAME_DEFAULT@4:3"]);
    expect(violations[0]?.message).toContain('from "none" to "".');
  });

  it("accepts the same value spelled differently or held by a compatible type", () => {
    expect(check(proto2("optional int32 a = 1 [default = 16];"), proto2("optional int64 a = 1 [default = 0x10];"))).toEqual([]);
    expect(check(proto2("optional float a = 1 [default = 1.5];"), proto2("optional float a = 1 [default = 1.50];"))).toEqual([]);
    expect(check(proto2("optional uint32 a = 1 [default = 1];"), proto2("optional bool a = 1 [default = true];"))).toEqual([]);
    expect(check(proto2("optional int32 a = 1;"), proto2("optional int32 a = 1 [default = 0];"))).toEqual([]);
  });

  it("compares a float default with a double default at float precision (regression: a false FIELD_SAME_DEFAULT on float <-> double)", () => {
    const same = check(proto2("optional float a = 1 [default = 0.1];"), proto2("optional double a = 1 [default = 0.1];"));
    expect(located(same)).toEqual(["FIELD_WIRE_COMPATIBLE_TYPE@4:12"]);
    expect(located(check(proto2("optional double a = 1 [default = 1e300];"), proto2("optional float a = 1 [default = inf];")), "FIELD_SAME_DEFAULT")).toEqual(
      [],
    );
    const differs = check(proto2("optional float a = 1 [default = 0.1];"), proto2("optional double a = 1 [default = 0.1000001];"));
    expect(located(differs, "FIELD_SAME_DEFAULT")).toEqual(["FIELD_SAME_DEFAULT@4:26"]);
  });

  it("compares 64-bit defaults exactly", () => {
    const violations = check(proto2("optional int64 a = 1 [default = 9223372036854775807];"), proto2("optional int64 a = 1 [default = 9223372036854775806];"));
    expect(violations[0]?.message).toContain("from 9223372036854775807 to 9223372036854775806.");
  });

  it("rejects a proto2 enum field whose first value changed, since that is its default", () => {
    const previous = proto2("optional Level level = 1;");
    const current = previous.replace("LOW = 1; HIGH = 2;", "HIGH = 2; LOW = 1;");
    const violations = check(previous, current);
    expect(located(violations)).toEqual(["FIELD_SAME_DEFAULT@4:3"]);
    expect(violations[0]?.message).toContain("from Level.LOW to Level.HIGH.");
  });

  it("rejects a changed editions default, and ignores proto3 (which has no defaults)", () => {
    const editions = (value: number) => proto`
      edition = "2023";
      message Order {
        int32 quantity = 1 [default = ${value}];
      }
    `;
    expect(located(check(editions(1), editions(2)))).toEqual(["FIELD_SAME_DEFAULT@3:23"]);
    expect(located(check(proto3Field("int32 amount = 3;"), proto3Field("string amount = 3;")))).toEqual(["FIELD_WIRE_COMPATIBLE_TYPE@4:3"]);
  });
});

describe("FIELD_SAME_ONEOF", () => {
  it("rejects a field moved into, out of, or between oneofs", () => {
    const previous = proto`
      syntax = "proto3";
      message Order {
        int32 a = 1;
        oneof payment {
          int32 b = 2;
          int32 c = 3;
        }
        oneof extra { int32 d = 4; }
      }
    `;
    const current = proto`
      syntax = "proto3";
      message Order {
        int32 b = 2;
        oneof payment {
          int32 a = 1;
        }
        oneof extra { int32 d = 4; int32 c = 3; }
      }
    `;
    const violations = check(previous, current);
    expect(located(violations)).toEqual(["FIELD_SAME_ONEOF@3:3", "FIELD_SAME_ONEOF@5:5", "FIELD_SAME_ONEOF@7:30"]);
    expect(violations.map((violation) => violation.message)).toEqual([
      'Field "2" with name "b" on message "Order" moved from inside to outside a oneof.',
      'Field "1" with name "a" on message "Order" moved from outside to inside a oneof.',
      'Field "3" with name "c" on message "Order" moved from oneof "payment" to oneof "extra".',
    ]);
  });

  it("accepts a renamed field that stays in its oneof, and proto3 optional (a synthetic oneof)", () => {
    const previous = proto`
      syntax = "proto3";
      message Order {
        oneof payment { int32 card = 1; }
        int32 tip = 2;
      }
    `;
    const current = proto`
      syntax = "proto3";
      message Order {
        oneof payment { int32 card_id = 1; }
        optional int32 tip = 2;
      }
    `;
    expect(check(previous, current)).toEqual([]);
  });

  it("applies to proto2 and editions oneofs", () => {
    const proto2 = (inside: boolean) => proto`
      syntax = "proto2";
      message Order {
        ${inside ? "oneof o { int32 a = 1; }" : "optional int32 a = 1;"}
      }
    `;
    expect(located(check(proto2(true), proto2(false)))).toEqual(["FIELD_SAME_ONEOF@3:3"]);
    const editions = (inside: boolean) => proto`
      edition = "2023";
      message Order {
        ${inside ? "oneof o { int32 a = 1; }" : "int32 a = 1;"}
      }
    `;
    expect(located(check(editions(false), editions(true)))).toEqual(["FIELD_SAME_ONEOF@3:13"]);
  });
});
