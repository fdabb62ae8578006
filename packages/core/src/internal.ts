/**
 * What other twostep packages share with core but users do not call: not
 * part of the public API, and free to change with any release.
 */
export { readUtf8, withoutByteOrderMark } from "./utf8-text.js";
