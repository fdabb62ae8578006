export { loadManifest, loadProtocol } from "./load-protocol.js";
export type { LoadedManifest, LoadedProtocol, LoadProtocolOptions } from "./load-protocol.js";
