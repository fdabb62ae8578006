/** What core uses of Node's Buffer: its own UTF-8 methods take any Uint8Array (protobufjs uses them too). */
export interface NodeBuffer {
  byteLength(text: string, encoding: "utf8"): number;
  allocUnsafe(size: number): Uint8Array;
  allocUnsafeSlow(size: number): Uint8Array;
  isBuffer(value: unknown): boolean;
  prototype: {
    utf8Slice(this: Uint8Array, start: number, end: number): string;
    utf8Write(this: Uint8Array, text: string, offset: number, length: number): number;
  };
}

/**
 * Node's Buffer when core runs on Node, else undefined (a browser): core
 * imports nothing of Node and compiles without its types, and takes the
 * faster Buffer paths only where they exist.
 */
export const nodeBuffer: NodeBuffer | undefined = ((): NodeBuffer | undefined => {
  const candidate = (globalThis as { Buffer?: NodeBuffer }).Buffer;
  return candidate !== undefined && typeof candidate.prototype.utf8Slice === "function" ? candidate : undefined;
})();
