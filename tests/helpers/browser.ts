import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Headless Chromium for the browser tests (Debian's `chromium` with playwright-core). Without
 * /usr/bin/chromium a browser test file skips with one line, unless CI=true or RAG_REQUIRE_BROWSER=1, when a
 * missing browser fails (CI never skips): `apt-get install -y chromium` provides it.
 */
export const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling Google hosts, which this network refuses.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const browserRequired = process.env.CI === 'true' || process.env.RAG_REQUIRE_BROWSER === '1';
const browserPresent = existsSync(CHROMIUM);

/** `describe` when the browser is there (or required), `describe.skip` with one line saying why otherwise. */
export function describeInBrowser(): jest.Describe {
  if (!browserPresent && !browserRequired) {
    process.stdout.write(`browser tests skipped: ${CHROMIUM} was not found (apt-get install -y chromium; CI=true or RAG_REQUIRE_BROWSER=1 fails instead)\n`);
  }
  return browserPresent || browserRequired ? describe : describe.skip;
}

/** Launches headless Chromium, or fails with how to install it (a browser test that runs needs one). */
export async function launchChromium(): Promise<Browser> {
  if (!browserPresent)
    throw new Error(`${CHROMIUM} was not found: install it with apt-get install -y chromium (required when CI=true or RAG_REQUIRE_BROWSER=1)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
