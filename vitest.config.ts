import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@twostep/source"] },
  ssr: { resolve: { conditions: ["@twostep/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    env: { TWOSTEP_LOG_LEVEL: "silent" },
  },
});
