import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@twostep/source"] },
  ssr: { resolve: { conditions: ["@twostep/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "test/**/*.test.ts"],
    // Bounds on a hang, never on speed: on a loaded two-core runner (npm run test:under-load) tests take up to ten times as long as on an idle one.
    testTimeout: 60_000,
    // Most test files wait on servers and processes rather than compute: with two at a time a two-core machine was
    // idle about a third of the time (7 minutes of CPU in 5 of wall clock), with three the suite takes an eighth less
    // (vitest's default is one fewer than the cores, one on such a machine).
    maxWorkers: 3,
    hookTimeout: 60_000,
    env: { TWOSTEP_LOG_LEVEL: "silent" },
  },
});
