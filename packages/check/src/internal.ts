// What this package's tests reach beyond the public entry (`@twostep/check/internal`).
export { readProtoTree } from "./proto/index.js";
