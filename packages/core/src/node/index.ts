export { loadProtocol } from "./load-protocol.js";
export type { LoadedProtocol } from "./load-protocol.js";
