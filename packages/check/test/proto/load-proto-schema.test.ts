import { isTwostepError } from "@twostep/core";
import {
  CheckErrorCode,
  ProtoImportCycleError,
  ProtoImportMissingError,
  ProtoParseError,
  ProtoUnresolvedTypeError,
  compareProtoFiles,
  type ProtoFiles,
} from "@twostep/check";
import { describe, expect, it } from "vitest";
import { check, located, proto } from "../support/wire-check.js";

const valid = proto`
  syntax = "proto3";
  package shop;
  message Order { string id = 1; }
`;

function failure(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("loading .proto files", () => {
  it("reports unparseable source as PROTO_PARSE with side, file and line", () => {
    const broken = proto`
      syntax = "proto3";
      package shop;
      message Order {
        string id = 1
      }
    `;
    const error = failure(() => check(valid, broken));
    expect(error).toBeInstanceOf(ProtoParseError);
    expect(isTwostepError(error, CheckErrorCode.ProtoParse)).toBe(true);
    expect(error).toMatchObject({ code: "PROTO_PARSE", side: "current", file: "a.proto", line: 5 });
    expect((error as Error).message).toMatch(/^current schema a\.proto:5: cannot parse: unexpected "}", expected ";"/);

    expect(failure(() => check(broken, valid))).toMatchObject({ code: "PROTO_PARSE", side: "previous", line: 5 });
  });

  it("reports an unterminated string or comment, and a default that does not fit its type, with their line", () => {
    expect(failure(() => check(valid, 'syntax = "proto3";\npackage shop;\n/* never closed\nmessage Order {}\n'))).toMatchObject({
      code: "PROTO_PARSE",
    });
    const badDefault = proto`
      syntax = "proto2";
      message Order {
        optional int32 quantity = 1 [default = "one"];
      }
    `;
    expect(failure(() => check(badDefault, badDefault))).toMatchObject({ code: "PROTO_PARSE", side: "previous", line: 3 });
  });

  it("reports a type defined twice (across files) at the second definition", () => {
    const files: ProtoFiles = {
      "a.proto": 'syntax = "proto3";\npackage shop;\nmessage Order {}\n',
      "b.proto": 'syntax = "proto3";\npackage shop;\n\nmessage Order {}\n',
    };
    expect(failure(() => compareProtoFiles(files, files))).toMatchObject({ code: "PROTO_PARSE", file: "b.proto", line: 4 });
  });

  it("reports a missing import as PROTO_IMPORT_MISSING naming the importing file and line", () => {
    const importing = proto`
      syntax = "proto3";
      package shop;

      import "shop/money.proto";

      message Order { shop.Money total = 1; }
    `;
    const error = failure(() => compareProtoFiles({ "shop/orders.proto": importing }, { "shop/orders.proto": importing }));
    expect(error).toBeInstanceOf(ProtoImportMissingError);
    expect(error).toMatchObject({ code: "PROTO_IMPORT_MISSING", side: "previous", file: "shop/orders.proto", line: 4, importPath: "shop/money.proto" });
    expect((error as Error).message).toContain('imports "shop/money.proto"');
  });

  it("loads imports from the tree (any order) and well-known types bundled with protobufjs", () => {
    const files: ProtoFiles = {
      "shop/orders.proto": proto`
        syntax = "proto3";
        package shop;
        import "shop/money.proto";
        import "google/protobuf/timestamp.proto";
        import "google/protobuf/descriptor.proto";
        extend google.protobuf.FieldOptions { string unit = 50000; }
        message Order {
          Money total = 1 [(unit) = "EUR"];
          google.protobuf.Timestamp placed_at = 2;
        }
      `,
      "shop/money.proto": 'syntax = "proto3";\npackage shop;\nmessage Money { int64 units = 1; }\n',
    };
    expect(compareProtoFiles(files, files)).toEqual([]);
  });

  it("loads an extension of its own package's message after an import of another package (regression: a stale lookup cache in protobufjs)", () => {
    const files: ProtoFiles = {
      "shop/order_extensions.proto": proto`
        syntax = "proto2";
        package shop;
        import "google/protobuf/timestamp.proto";
        import "shop/z_order.proto";
        extend Order { optional google.protobuf.Timestamp shipped_at = 100; }
      `,
      "shop/z_order.proto": 'syntax = "proto2";\npackage shop;\nmessage Order { extensions 100 to 199; }\n',
    };
    expect(compareProtoFiles(files, files)).toEqual([]);
    const nested = {
      ...files,
      "shop/order_extensions.proto": files["shop/order_extensions.proto"]!.replace("package shop;", "package shop.orders;").replace(
        "extend Order",
        "extend shop.Order",
      ),
    };
    expect(compareProtoFiles(nested, nested)).toEqual([]);
  });

  it("resolves descriptor.proto and the editions feature files without copying them into the tree, as buf ships them", () => {
    const features = proto`
      edition = "2023";
      package shop;
      import "google/protobuf/cpp_features.proto";
      import "google/protobuf/descriptor.proto";
      import "google/protobuf/go_features.proto";
      import "google/protobuf/java_features.proto";
      option features.(pb.java).utf8_validation = VERIFY;
      extend google.protobuf.MessageOptions { string table = 50000; }
      message Order {
        option (table) = "orders";
        string id = 1 [features.(pb.cpp).string_type = VIEW];
        Status status = 2 [features.(pb.java).legacy_closed_enum = true];
        enum Status {
          option features.(pb.go).legacy_unmarshal_json_enum = true;
          option features.enum_type = CLOSED;
          PLACED = 1;
        }
      }
    `;
    expect(check(features, features)).toEqual([]);
    expect(located(check(features, features.replace("string id = 1", "int64 id = 1")))).toEqual(["FIELD_WIRE_COMPATIBLE_TYPE@11:3"]);
  });

  it("reports an import cycle as PROTO_IMPORT_CYCLE", () => {
    const files: ProtoFiles = {
      "a.proto": 'syntax = "proto3";\nimport "b.proto";\n',
      "b.proto": 'syntax = "proto3";\n\nimport "a.proto";\n',
    };
    const error = failure(() => compareProtoFiles(files, files));
    expect(error).toBeInstanceOf(ProtoImportCycleError);
    expect(error).toMatchObject({ code: "PROTO_IMPORT_CYCLE", file: "b.proto", line: 3, cycle: ["a.proto", "b.proto", "a.proto"] });
  });

  it("reports a type name that resolves to nothing as PROTO_UNRESOLVED_TYPE at its use", () => {
    const unresolved = proto`
      syntax = "proto3";
      package shop;
      message Order {
        string id = 1;
        Money total = 2;
      }
    `;
    const error = failure(() => check(valid, unresolved));
    expect(error).toBeInstanceOf(ProtoUnresolvedTypeError);
    expect(error).toMatchObject({ code: "PROTO_UNRESOLVED_TYPE", side: "current", file: "a.proto", line: 5, typeName: "Money" });

    const rpc = 'syntax = "proto3";\nmessage A {}\nservice S {\n  rpc Get(A) returns (Missing);\n}\n';
    expect(failure(() => check(rpc, rpc))).toMatchObject({ code: "PROTO_UNRESOLVED_TYPE", line: 4, typeName: "Missing" });

    const extension = 'syntax = "proto2";\n\nextend Missing { optional int32 x = 100; }\n';
    expect(failure(() => check(extension, extension))).toMatchObject({ code: "PROTO_UNRESOLVED_TYPE", line: 3, typeName: "Missing" });
  });
});
