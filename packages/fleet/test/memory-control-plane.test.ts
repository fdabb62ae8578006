import { MemoryControlPlane } from "@twostep/fleet";
import { controlPlaneContract } from "@twostep/testkit/contract";

// Calls with one namespace are clients of one state: for memory, one instance.
const planes = new Map<string, MemoryControlPlane>();

controlPlaneContract(
  "MemoryControlPlane",
  ({ namespace, clock, beatTtlMs }) => {
    let plane = planes.get(namespace);
    if (plane === undefined) {
      plane = new MemoryControlPlane({ beatTtlMs, ...(clock === undefined ? {} : { clock }) });
      planes.set(namespace, plane);
    }
    return plane;
  },
  { runs: 100 },
);
