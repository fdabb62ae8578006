import { describe, expect, it } from "vitest";
import { check, located, proto } from "../support/wire-check.js";

const service = (syntax: string, rpcs: string) => proto`
  ${syntax}
  package shop;
  message PlaceOrder {}
  message OrderPlaced {}
  message Other {}
  service Orders {
    ${rpcs}
  }
`;
const idempotency = (option: string) => `rpc Get(PlaceOrder) returns (OrderPlaced) {\n      ${option}\n    }`;

// Each change, with the violations expected for it (rule@line:column, then messages).
const CHANGES = [
  {
    change: "another request and response type (at the types) and server streaming (at the rpc)",
    before: "rpc Place(PlaceOrder) returns (OrderPlaced);",
    after: "rpc Place(Other) returns (stream Other);",
    located: ["RPC_SAME_SERVER_STREAMING@7:3", "RPC_SAME_REQUEST_TYPE@7:13", "RPC_SAME_RESPONSE_TYPE@7:36"],
    messages: [
      'RPC "Place" on service "Orders" changed from server unary to server streaming.',
      'RPC "Place" on service "Orders" changed request type from "shop.PlaceOrder" to "shop.Other".',
      'RPC "Place" on service "Orders" changed response type from "shop.OrderPlaced" to "shop.Other".',
    ],
  },
  {
    change: "streaming added or removed, at the rpc",
    before: "rpc Upload(stream PlaceOrder) returns (OrderPlaced);\n    rpc Watch(PlaceOrder) returns (stream OrderPlaced);",
    after: "rpc Upload(PlaceOrder) returns (OrderPlaced);\n    rpc Watch(stream PlaceOrder) returns (OrderPlaced);",
    located: ["RPC_SAME_CLIENT_STREAMING@7:3", "RPC_SAME_CLIENT_STREAMING@8:3", "RPC_SAME_SERVER_STREAMING@8:3"],
    messages: [
      'RPC "Upload" on service "Orders" changed from client streaming to client unary.',
      'RPC "Watch" on service "Orders" changed from client unary to client streaming.',
      'RPC "Watch" on service "Orders" changed from server streaming to server unary.',
    ],
  },
  {
    change: "a changed idempotency level, at the option",
    before: idempotency("option idempotency_level = NO_SIDE_EFFECTS;"),
    after: idempotency("option idempotency_level = IDEMPOTENT;"),
    located: ["RPC_SAME_IDEMPOTENCY_LEVEL@8:5"],
    messages: ['RPC "Get" on service "Orders" changed option "idempotency_level" from "NO_SIDE_EFFECTS" to "IDEMPOTENT".'],
  },
];

describe.each(['syntax = "proto2";', 'syntax = "proto3";', 'edition = "2023";'])("rpc rules in %s", (syntax) => {
  it.each(CHANGES)("reject $change", ({ before, after, located: expected, messages }) => {
    const violations = check(service(syntax, before), service(syntax, after));
    expect(located(violations)).toEqual(expected);
    expect(violations.map((violation) => violation.message)).toEqual(messages);
  });

  it("accept the same types written another way, streaming kept, and rpcs added or removed", () => {
    expect(
      check(
        service(syntax, "rpc Place(PlaceOrder) returns (OrderPlaced); rpc Gone(Other) returns (Other); rpc Chat(stream Other) returns (stream Other);"),
        service(
          syntax,
          "rpc Place(.shop.PlaceOrder) returns (shop.OrderPlaced); rpc New(Other) returns (Other); rpc Chat(stream .shop.Other) returns (stream Other);",
        ),
      ),
    ).toEqual([]);
  });
});

describe("RPC_SAME_IDEMPOTENCY_LEVEL", () => {
  it("rejects a level added (at the option) or removed (at the rpc, where buf has no position)", () => {
    const none = service('syntax = "proto3";', idempotency(""));
    const idempotent = service('syntax = "proto3";', idempotency("option idempotency_level = IDEMPOTENT;"));
    expect(located(check(none, idempotent))).toEqual(["RPC_SAME_IDEMPOTENCY_LEVEL@8:5"]);
    expect(located(check(idempotent, none))).toEqual(["RPC_SAME_IDEMPOTENCY_LEVEL@7:3"]);
  });

  it("treats an explicit IDEMPOTENCY_UNKNOWN as the option left out", () => {
    const none = service('syntax = "proto3";', "rpc Get(PlaceOrder) returns (OrderPlaced);");
    expect(check(none, service('syntax = "proto3";', idempotency("option idempotency_level = IDEMPOTENCY_UNKNOWN;")))).toEqual([]);
  });
});
