import { connectNatsControlPlane, type NatsControlPlane, type NatsControlPlaneOptions } from "@twostep/nats";

/** Control planes opened by a test, closed after it. */
export class Planes {
  readonly #opened: NatsControlPlane[] = [];
  #prefixes = 0;

  constructor(readonly servers: () => string | readonly string[]) {}

  /** A fresh prefix: each test its own streams. */
  prefix(): string {
    return `p${++this.#prefixes}x${process.pid % 1000}`;
  }

  /** Connects with `options` (servers and prefix filled in unless given); closed by {@link Planes.closeAll}. */
  async open(options: Partial<NatsControlPlaneOptions> & { readonly bucketPrefix: string }): Promise<NatsControlPlane> {
    const plane = await connectNatsControlPlane({ servers: this.servers(), ...options });
    this.#opened.push(plane);
    return plane;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#opened.splice(0).map((plane) => plane.close()));
  }
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** Bytes of `value`, for entries whose content does not matter. */
export function bytes(value: string): Uint8Array {
  return utf8.encode(value);
}

/** The text of stored bytes. */
export function textOf(value: Uint8Array): string {
  return text.decode(value);
}
