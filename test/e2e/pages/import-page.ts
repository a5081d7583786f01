import type { Locator, Page } from 'playwright-core';

export class ImportPage {
  constructor(private readonly page: Page) {}

  get progress(): Locator {
    return this.page.getByTestId('import-progress');
  }
  get errors(): Locator {
    return this.page.getByTestId('import-errors');
  }
  file(name: string): Locator {
    return this.page.getByTestId('import-file').filter({ hasText: name });
  }

  async phase(): Promise<string | null> {
    return this.progress.getAttribute('data-phase');
  }

  async stat(name: 'parsed' | 'stored' | 'compressed' | 'duplicates'): Promise<number> {
    const text = (await this.page.getByTestId(`stat-${name}`).textContent()) ?? '';
    return Number(text.split('/')[0]!.replace(/[^\d]/g, ''));
  }

  /** Waits until every file of the drop has left the running phases. */
  async waitFinished(timeout: number): Promise<string> {
    await this.page.waitForSelector('[data-testid=import-progress]:is([data-phase=done],[data-phase=failed],[data-phase=cancelled])', { timeout });
    return (await this.phase()) ?? '';
  }

  async pickFiles(paths: string[]): Promise<void> {
    await this.page.locator('#import-file-input').setInputFiles(paths);
  }

  async dismiss(): Promise<void> {
    await this.progress.getByRole('button', { name: 'Dismiss' }).click();
  }
}
