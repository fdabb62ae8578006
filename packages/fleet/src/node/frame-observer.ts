/**
 * Told of every frame a node encodes, decodes or dead-letters, with how long
 * the work took: what a metrics library needs (`@twostep/prometheus`
 * implements it). Called on the hot path, so keep it cheap; it must not throw.
 */
export interface FrameObserver {
  /** A frame written at `version` of `type`, encoded (downgraded) in `seconds`. */
  encoded(type: string, version: number, seconds: number): void;
  /** A frame of `version` read and upgraded to the newest shape in `seconds`. */
  decoded(type: string, version: number, seconds: number): void;
  /** A frame that could not be decoded, under its type and version when known (`?` otherwise), with the error code. */
  deadLettered(type: string, version: number | "?", code: string): void;
}
