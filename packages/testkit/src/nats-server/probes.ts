import { connect, type Socket } from "node:net";

const inbox = "_INBOX.twostep_testkit_ready";

/**
 * Connects to 127.0.0.1:`port` and hands everything received so far to
 * `hear` after each chunk, until it returns a verdict. False when the
 * connection fails or ends first, or after `timeoutMs`.
 */
function converse(port: number, timeoutMs: number, hear: (received: string, socket: Socket) => boolean | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = "";
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
      const verdict = hear(received, socket);
      if (verdict !== undefined) done(verdict);
    });
    socket.on("error", () => done(false));
    socket.on("close", () => done(false));
  });
}

/** True when a client connecting to the port gets the server's INFO line. */
export function answers(port: number): Promise<boolean> {
  return converse(port, 1_000, (received) => (received.startsWith("INFO ") && received.includes("\r\n") ? true : undefined));
}

/**
 * True when JetStream answers `$JS.API.INFO` through the server on `port`
 * without an error: in a cluster, only once a meta leader is elected. Speaks
 * just enough of the NATS protocol for one request, so the test kit needs no
 * NATS client; false on any error or after `timeoutMs`.
 */
export function jetStreamAnswers(port: number, timeoutMs = 1_000): Promise<boolean> {
  let asked = false;
  let pinged = 0;
  return converse(port, timeoutMs, (received, socket) => {
    if (!asked && received.includes("\r\n")) {
      asked = true;
      socket.write(`CONNECT {"verbose":false,"pedantic":false,"name":"twostep-testkit"}\r\nSUB ${inbox} 1\r\nPUB $JS.API.INFO ${inbox} 0\r\n\r\n`);
    }
    const pings = received.split("PING\r\n").length - 1;
    for (; pinged < pings; pinged++) socket.write("PONG\r\n");
    const reply = parseReply(received);
    if (reply !== undefined) return isAccountInfo(reply);
    return received.includes("-ERR") ? false : undefined;
  });
}

/** The payload of the first `MSG` in `text`, once it has arrived whole. */
function parseReply(text: string): string | undefined {
  const start = text.indexOf(`MSG ${inbox} `);
  if (start < 0) return undefined;
  const lineEnd = text.indexOf("\r\n", start);
  if (lineEnd < 0) return undefined;
  const size = Number(text.slice(start, lineEnd).split(" ").at(-1));
  // The payload is JSON, so ASCII: its byte size is its length.
  const payload = text.slice(lineEnd + 2, lineEnd + 2 + size);
  return payload.length === size ? payload : undefined;
}

function isAccountInfo(payload: string): boolean {
  try {
    const info = JSON.parse(payload) as { type?: unknown; error?: unknown };
    return info.error === undefined && info.type === "io.nats.jetstream.api.v1.account_info_response";
  } catch {
    return false;
  }
}
