import { readFile } from "node:fs/promises";

/** The server configuration of docs/nats.md, so that the documented example is the tested one. */
export async function documentedConfig(): Promise<string> {
  const doc = await readFile(new URL("../../../../docs/nats.md", import.meta.url), "utf8");
  const match = /<!-- example: nats-server\.conf -->\s*```conf\n([\s\S]*?)```/.exec(doc);
  if (match?.[1] === undefined) throw new Error("docs/nats.md lost its example nats-server.conf");
  return match[1];
}
