import type { MethodSchema, ServiceSchema } from "../proto/index.js";
import { type Violation, WireRule } from "../violation/index.js";
import { forEachPair } from "./for-each-pair.js";
import { violationAt } from "./violation-at.js";

const NEW_RPC = "To make this change, add a new rpc and move clients to it.";

/**
 * The WIRE rules on the rpcs of one service present on both sides, paired by
 * name: RPC_SAME_REQUEST_TYPE, RPC_SAME_RESPONSE_TYPE (at the type),
 * RPC_SAME_CLIENT_STREAMING, RPC_SAME_SERVER_STREAMING (at the rpc) and
 * RPC_SAME_IDEMPOTENCY_LEVEL (at the option, or at the rpc when the option
 * was removed). Appends to `out`.
 */
export function checkServicePair(previous: ServiceSchema, current: ServiceSchema, out: Violation[]): void {
  forEachPair(previous.methods, current.methods, (before, after) => checkMethodPair(before, after, current, out));
}

function checkMethodPair(previous: MethodSchema, current: MethodSchema, service: ServiceSchema, out: Violation[]): void {
  const rpc = `RPC "${current.name}" on service "${service.name}"`;
  const report = (rule: WireRule, at: MethodSchema["at"], message: string, fix: string) =>
    out.push(violationAt(rule, service.file, at, message, fix, `${service.fullName}.${current.name}`));
  for (const side of ["request", "response"] as const) {
    const before = side === "request" ? previous.requestType : previous.responseType;
    const after = side === "request" ? current.requestType : current.responseType;
    if (before === after) continue;
    report(
      side === "request" ? WireRule.RpcSameRequestType : WireRule.RpcSameResponseType,
      side === "request" ? current.requestAt : current.responseAt,
      `${rpc} changed ${side} type from "${before}" to "${after}".`,
      `Restore the ${side} type ${before}. ${NEW_RPC}`,
    );
  }
  for (const side of ["client", "server"] as const) {
    const before = side === "client" ? previous.clientStreaming : previous.serverStreaming;
    const after = side === "client" ? current.clientStreaming : current.serverStreaming;
    if (before === after) continue;
    const mode = (streaming: boolean) => (streaming ? "streaming" : "unary");
    const keyword = side === "client" ? "request" : "response";
    report(
      side === "client" ? WireRule.RpcSameClientStreaming : WireRule.RpcSameServerStreaming,
      current.at,
      `${rpc} changed from ${side} ${mode(before)} to ${side} ${mode(after)}.`,
      `${before ? "Put back" : "Remove"} \`stream\` on the ${keyword} type. ${NEW_RPC}`,
    );
  }
  if (previous.idempotencyLevel !== current.idempotencyLevel) {
    report(
      WireRule.RpcSameIdempotencyLevel,
      current.idempotencyAt ?? current.at,
      `${rpc} changed option "idempotency_level" from "${previous.idempotencyLevel}" to "${current.idempotencyLevel}".`,
      `${previous.idempotencyLevel === "IDEMPOTENCY_UNKNOWN" ? "Remove the idempotency_level option" : `Restore \`option idempotency_level = ${previous.idempotencyLevel};\``}: clients and proxies decide from it whether a call may be retried or cached. ${NEW_RPC}`,
    );
  }
}
