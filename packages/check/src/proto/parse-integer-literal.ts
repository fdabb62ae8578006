/**
 * Reads a .proto integer literal exactly: decimal, hex (`0x1F`) or octal
 * (leading `0`). Throws a `SyntaxError` for anything else.
 */
export function parseIntegerLiteral(text: string): bigint {
  if (/^0[0-7]+$/.test(text)) return BigInt(`0o${text.slice(1)}`);
  return BigInt(text);
}
