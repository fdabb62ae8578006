import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it). Playwright never downloads a browser here. */
export const CHROMIUM = "/usr/bin/chromium";

/** Headless, and quiet: no sandbox (CI runs as root), no GPU, no first-run pages, no network of its own (updates, sync, QUIC). */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A headless Chromium with a profile of its own; `close` ends it and removes the profile. */
export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts the system Chromium through Playwright's core, in a new empty
 * profile (a `--user-data-dir` in a temporary directory). Says what to
 * install when it is missing.
 */
export async function launchChromium(options: { readonly viewport?: { width: number; height: number } } = {}): Promise<Chromium> {
  try {
    await access(CHROMIUM);
  } catch {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium), as .ci/run does`);
  }
  const profile = await mkdtemp(join(tmpdir(), "twostep-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: options.viewport ?? { width: 1280, height: 900 },
      timeout: 60_000,
    });
    return {
      context,
      close: async () => {
        await context.close().catch(() => {});
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}
