import { describe, expect, it } from "vitest";
import { check, located, proto } from "../support/wire-check.js";

describe("FILE_SAME_PACKAGE", () => {
  const file = (syntax: string, pkg: string) => proto`
    // Orders.
    ${syntax}

    ${pkg}

    message Order {}
  `;

  it.each(['syntax = "proto2";', 'syntax = "proto3";', 'edition = "2023";'])("%s rejects a changed package at the package statement", (syntax) => {
    const violations = check(file(syntax, "package shop.orders.v1;"), file(syntax, "package shop.orders.v2;"));
    expect(violations).toEqual([
      expect.objectContaining({
        rule: "FILE_SAME_PACKAGE",
        file: "a.proto",
        line: 4,
        column: 1,
        message: 'File package changed from "shop.orders.v1" to "shop.orders.v2".',
      }),
    ]);
  });

  it("rejects a removed package at the top of the file, and an added one at its statement", () => {
    expect(located(check(file('syntax = "proto3";', "package shop;"), file('syntax = "proto3";', "")))).toEqual(["FILE_SAME_PACKAGE@1:1"]);
    expect(located(check(file('syntax = "proto3";', ""), file('syntax = "proto3";', "package shop;")))).toEqual(["FILE_SAME_PACKAGE@4:1"]);
  });

  it("pairs files by path: a type moved to a new file of the same package is fine", () => {
    const before = { "shop/orders.proto": 'syntax = "proto3";\npackage shop;\nmessage Order { int32 id = 1; }\nmessage Item { string sku = 1; }\n' };
    const after = {
      "shop/orders.proto": 'syntax = "proto3";\npackage shop;\nmessage Order { int32 id = 1; }\n',
      "shop/items.proto": 'syntax = "proto3";\npackage shop;\nmessage Item { string sku = 1; }\n',
    };
    expect(check(before, after)).toEqual([]);
  });
});
