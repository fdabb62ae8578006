import { readFile } from "node:fs/promises";

/** A file of the page, as it is served. */
export interface PageFile {
  readonly body: Buffer;
  readonly type: string;
}

/** The page's files, by the path they are served at: static, with no build step, from `packages/cli/dashboard-page` (shipped with the package). */
const FILES: Readonly<Record<string, readonly [file: string, type: string]>> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/dashboard.js": ["dashboard.js", "text/javascript; charset=utf-8"],
  "/capability-card.js": ["capability-card.js", "text/javascript; charset=utf-8"],
  "/elements.js": ["elements.js", "text/javascript; charset=utf-8"],
  "/format.js": ["format.js", "text/javascript; charset=utf-8"],
  "/readiness.js": ["readiness.js", "text/javascript; charset=utf-8"],
  "/dashboard.css": ["dashboard.css", "text/css; charset=utf-8"],
  "/favicon.svg": ["favicon.svg", "image/svg+xml"],
};

/** Where the page's files are: two levels up from this module, whether it runs from `src/dashboard` or `dist/dashboard`. */
const PAGE_DIRECTORY = new URL("../../dashboard-page/", import.meta.url);

/** Reads the page's files once, when the dashboard starts. */
export async function loadDashboardPage(): Promise<ReadonlyMap<string, PageFile>> {
  const entries = await Promise.all(
    Object.entries(FILES).map(async ([path, [file, type]]) => [path, { body: await readFile(new URL(file, PAGE_DIRECTORY)), type }] as const),
  );
  return new Map(entries);
}
