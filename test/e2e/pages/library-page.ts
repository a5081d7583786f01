import type { Locator, Page } from 'playwright-core';

export class LibraryPage {
  constructor(private readonly page: Page) {}

  get rows(): Locator {
    return this.page.getByTestId('doc-row');
  }

  async search(query: string): Promise<void> {
    await this.page.getByLabel('Search documents').fill(query);
    // The count line says "Searching…" while the query runs, then "N matching".
    await this.page.getByTestId('library-count').filter({ hasText: query ? /matching/ : /documents/ }).waitFor();
  }

  /** The number the library shows for the current query. */
  async count(): Promise<number> {
    const text = (await this.page.getByTestId('library-count').textContent()) ?? '';
    return Number(text.replace(/[^\d]/g, ''));
  }

  async rowTexts(): Promise<string[]> {
    return this.rows.locator('.doc-text').allTextContents();
  }
}
