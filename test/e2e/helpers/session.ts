// One browser session over one real web host, as every e2e file starts it: the host on a
// fresh data folder, headless Chromium, one page in a light context, the page objects,
// and the page's uncaught errors collected (each file asserts there are none).
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { startHost, type RunningHost } from './web-host.js';
import { chromiumPath, screenshotDir } from './paths.js';
import { Studio } from '../pages/studio.js';

export interface BrowserSession {
  host: RunningHost;
  browser: Browser;
  page: Page;
  app: Studio;
  /** Messages of uncaught errors in the page, in order. */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function openBrowserSession(context: BrowserContextOptions = {}): Promise<BrowserSession> {
  mkdirSync(screenshotDir, { recursive: true });
  const host = await startHost();
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', ...context })).newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const b = browser;
    return {
      host,
      browser: b,
      page,
      app: new Studio(page),
      pageErrors,
      close: async () => {
        await b.close();
        await host.close();
      },
    };
  } catch (err) {
    await browser?.close();
    await host.close();
    throw err;
  }
}
