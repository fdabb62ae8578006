/** Largest value a twostep varint carries: type ids and versions are uint32. */
export const MAX_VARINT = 0xffff_ffff;

/** Number of bytes the unsigned LEB128 encoding of `value` takes (1 to 5). */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  return 5;
}

/** Writes `value` (0 to {@link MAX_VARINT}) at `offset`; returns the offset after it. */
export function writeVarint(target: Uint8Array, offset: number, value: number): number {
  let rest = value;
  while (rest >= 0x80) {
    target[offset++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  target[offset++] = rest;
  return offset;
}

/**
 * Reads a uint32 varint at `offset`. Returns the value and the offset after
 * it, or `undefined` when the bytes end early or the value does not fit in
 * 32 bits (more than five bytes, or a fifth byte above 0x0f).
 */
export function readVarint(source: Uint8Array, offset: number): { value: number; next: number } | undefined {
  let value = 0;
  let factor = 1;
  for (let index = 0; index < 5; index++) {
    const byte = source[offset + index];
    if (byte === undefined) return undefined;
    if (index === 4 && byte > 0x0f) return undefined;
    value += (byte & 0x7f) * factor;
    if (byte < 0x80) return { value, next: offset + index + 1 };
    factor *= 0x80;
  }
  return undefined;
}
