import { get } from "node:http";
import { connect, type Socket } from "node:net";

const inbox = "_INBOX.twostep_testkit_ready";

/** The stream {@link placesReplicas} creates and deletes: a name and subject no test uses. */
const placementStream = "TWOSTEP_TESTKIT_PLACEMENT";

/**
 * Connects to 127.0.0.1:`port` and hands everything received so far to
 * `hear` after each chunk, until it returns a verdict. The text is latin1,
 * one character per byte, so that lengths the protocol gives in bytes can
 * be used as string lengths. `undefined` when the connection fails or ends
 * first, or after `timeoutMs`.
 */
function converse<T>(port: number, timeoutMs: number, hear: (received: string, socket: Socket) => T | undefined): Promise<T | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = "";
    const done = (verdict: T | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(verdict);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      received += chunk;
      const verdict = hear(received, socket);
      if (verdict !== undefined) done(verdict);
    });
    socket.on("error", () => done(undefined));
    socket.on("close", () => done(undefined));
  });
}

/** True when a client connecting to the port gets the server's INFO line. */
export async function answers(port: number): Promise<boolean> {
  const greeted = await converse(port, 1_000, (received) => (received.startsWith("INFO ") && received.includes("\r\n") ? true : undefined));
  return greeted === true;
}

/**
 * Sends one request to `subject` through the server on `port` and returns
 * the JSON reply, speaking just enough of the NATS protocol that the test
 * kit needs no NATS client. `undefined` on any error, when no reply comes
 * within `timeoutMs`, or when the reply is not JSON.
 */
async function request(port: number, subject: string, body: unknown, timeoutMs: number): Promise<Record<string, unknown> | undefined> {
  const payload = Buffer.from(body === undefined ? "" : JSON.stringify(body), "utf8");
  let asked = false;
  let pinged = 0;
  const reply = await converse(port, timeoutMs, (received, socket) => {
    if (!asked && received.includes("\r\n")) {
      asked = true;
      socket.write(`CONNECT {"verbose":false,"pedantic":false,"name":"twostep-testkit"}\r\nSUB ${inbox} 1\r\nPUB ${subject} ${inbox} ${payload.length}\r\n`);
      socket.write(payload);
      socket.write("\r\n");
    }
    const pings = received.split("PING\r\n").length - 1;
    for (; pinged < pings; pinged++) socket.write("PONG\r\n");
    const message = parseReply(received);
    if (message !== undefined) return message;
    return received.includes("-ERR") ? "" : undefined;
  });
  if (reply === undefined || reply === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(reply, "latin1").toString("utf8"));
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The payload of the first `MSG` to the inbox in `text` (latin1), once it has arrived whole. */
function parseReply(text: string): string | undefined {
  const start = text.indexOf(`MSG ${inbox} `);
  if (start < 0) return undefined;
  const lineEnd = text.indexOf("\r\n", start);
  if (lineEnd < 0) return undefined;
  const size = Number(text.slice(start, lineEnd).split(" ").at(-1));
  const payload = text.slice(lineEnd + 2, lineEnd + 2 + size);
  return payload.length === size ? payload : undefined;
}

/** True when `reply` is a JetStream API response of `type` without an error. */
function succeeded(reply: Record<string, unknown> | undefined, type: string): boolean {
  return reply !== undefined && reply["error"] === undefined && reply["type"] === `io.nats.jetstream.api.v1.${type}`;
}

/**
 * True when JetStream, asked through the server on `port`, creates an
 * in-memory stream of `replicas` replicas and deletes it again: the meta
 * leader can place that many replicas. Creating is idempotent, so a probe
 * whose creation timed out but happened is cleaned up by the next one.
 * False on any error (`no suitable peers for placement` among them) or
 * after `timeoutMs` per request.
 */
export async function placesReplicas(port: number, replicas: number, timeoutMs = 5_000): Promise<boolean> {
  const config = { name: placementStream, subjects: ["_twostep_testkit.placement"], storage: "memory", num_replicas: replicas, max_msgs: 1 };
  if (!succeeded(await request(port, `$JS.API.STREAM.CREATE.${placementStream}`, config, timeoutMs), "stream_create_response")) return false;
  const deleted = await request(port, `$JS.API.STREAM.DELETE.${placementStream}`, undefined, timeoutMs);
  return succeeded(deleted, "stream_delete_response") && deleted?.["success"] === true;
}

/**
 * GETs `path` from the monitoring listener (`http: ...`) on `port`: the
 * status and the JSON body, or `undefined` when nothing answers within
 * `timeoutMs` or the body is not JSON.
 */
export function monitor(port: number, path: string, timeoutMs = 1_000): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
  return new Promise((resolve) => {
    const call = get({ host: "127.0.0.1", port, path, timeout: timeoutMs }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        text += chunk;
      });
      response.on("end", () => {
        try {
          const body: unknown = JSON.parse(text);
          resolve(typeof body === "object" && body !== null ? { status: response.statusCode ?? 0, body: body as Record<string, unknown> } : undefined);
        } catch {
          resolve(undefined);
        }
      });
      response.on("error", () => resolve(undefined));
    });
    call.on("timeout", () => call.destroy());
    call.on("error", () => resolve(undefined));
  });
}
