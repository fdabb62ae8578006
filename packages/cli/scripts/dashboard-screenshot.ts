// `npm run screenshot`: starts a dashboard on a known demo fleet, opens it
// in the system Chromium and writes docs/images/dashboard.png.
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { startDashboard } from "@twostep/cli";
import { launchChromium } from "./chromium.js";
import { DemoFleet } from "./demo-fleet.js";

// Run from packages/cli/scripts/dist.
const output = fileURLToPath(new URL("../../../../docs/images/dashboard.png", import.meta.url));

const fleet = new DemoFleet();
await fleet.build();
const dashboard = await startDashboard({ coordinator: fleet.coordinator, rollouts: fleet.rollouts, port: 0 });
const browser = await launchChromium({ viewport: { width: 1440, height: 900 } });
try {
  const page = await browser.context.newPage();
  await page.goto(dashboard.url);
  await page.locator('#connection[data-state="live"]').waitFor();
  await page.locator('[data-part="rollout"][data-step="2"]').waitFor();
  await mkdir(new URL("../../../../docs/images/", import.meta.url), { recursive: true });
  await page.screenshot({ path: output, fullPage: true });
  console.log(`wrote ${output}`);
} finally {
  await browser.close();
  await dashboard.close();
  await fleet.close();
}
