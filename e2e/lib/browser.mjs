// Launches Debian's Chromium (/usr/bin/chromium) through playwright-core: no browser download.
// Playwright gives every launch a fresh temporary --user-data-dir (and deletes it on close);
// passing --user-data-dir ourselves is refused by launch(), so we let it do that.
import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Desktop viewport (the browser's own, headless-marked user agent: demo mode accepts it). */
export const DESKTOP_VIEWPORT = { width: 1280, height: 800 };

/** A phone: Android Chrome user agent (so the server classifies the device as mobile), touch, DPR 3. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
};

export async function launch(options = {}) {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: false,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
    ...options,
  });
}
