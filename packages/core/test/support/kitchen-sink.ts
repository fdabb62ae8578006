import protobuf from "protobufjs";

const proto3 = `
syntax = "proto3";
package sink;

enum Color {
  COLOR_UNSPECIFIED = 0;
  RED = 1;
  GREEN = 2;
  INFRARED = -3;
}

// Every kind of field protobufjs supports in proto3, recursive on purpose.
message Everything {
  message Nested {
    repeated float values = 1;
    Color color = 2;
  }

  double d = 1;
  float f = 2;
  int32 i32 = 3;
  uint32 u32 = 4;
  sint32 s32 = 5;
  fixed32 fx32 = 6;
  sfixed32 sfx32 = 7;
  int64 i64 = 8;
  uint64 u64 = 9;
  sint64 s64 = 10;
  fixed64 fx64 = 11;
  sfixed64 sfx64 = 12;
  bool b = 13;
  string s = 14;
  bytes raw = 15;
  Color color = 16;
  Everything child = 17;
  repeated int64 longs = 18;
  repeated string names = 19;
  repeated Everything children = 20;
  repeated Color colors = 21;
  repeated sint32 unpacked = 22 [packed = false];
  map<string, int64> by_name = 23;
  map<int64, Nested> by_id = 24;
  map<bool, Color> flags = 25;
  map<uint64, bytes> blobs = 26;
  map<sfixed32, double> ratios = 27;
  oneof choice {
    string text = 28;
    Nested nested = 29;
    uint64 big = 30;
  }
  optional int32 maybe = 31;
}
`;

const proto2 = `
syntax = "proto2";
package sink2;

// proto2: required fields, explicit defaults, a group.
message Legacy {
  required string id = 1;
  optional int32 count = 2 [default = 7];
  optional group Extra = 3 {
    optional string note = 4;
    repeated sint64 marks = 5;
  }
  repeated int32 nums = 6 [packed = true];
  optional sink.Color color = 7;
}
`;

/**
 * A protobufjs root with every kind of field (all scalars, enums with a
 * negative value, recursion, repeated packed and unpacked, maps of every key
 * kind, a oneof, proto3 `optional`, proto2 required fields, defaults and a
 * group): what a codec and an arbitrary builder must all get right.
 */
export function kitchenSinkRoot(): protobuf.Root {
  const root = new protobuf.Root();
  protobuf.parse(proto3, root);
  protobuf.parse(proto2, root);
  root.resolveAll();
  return root;
}

/** Full names of the kitchen-sink messages. */
export const kitchenSinkMessages = ["sink.Everything", "sink.Everything.Nested", "sink2.Legacy"] as const;
