#!/usr/bin/env node
// The `twostep` command. This file exists before the build (npm links bins at install time,
// before the root `prepare` compiles src/bin.ts to dist/bin.js), so it only loads the build.
import "../dist/bin.js";
