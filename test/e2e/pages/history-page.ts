import type { Locator, Page } from 'playwright-core';

export class HistoryPage {
  constructor(private readonly page: Page) {}

  get items(): Locator {
    return this.page.getByTestId('history-item');
  }

  item(output: string): Locator {
    return this.items.filter({ has: this.page.locator('.history-output', { hasText: output }) });
  }

  get searchBox(): Locator {
    return this.page.getByLabel('Search history');
  }
  get count(): Locator {
    return this.page.getByTestId('history-count');
  }

  /** Searches and waits until the list answers that query. */
  async search(query: string): Promise<void> {
    await this.searchBox.fill(query);
    await this.page.waitForFunction((q) => {
      const el = document.querySelector('[data-testid=history-count]');
      return el?.getAttribute('data-query') === q && el.getAttribute('data-state') === 'ready';
    }, query);
  }

  async remove(item: Locator): Promise<void> {
    await item.getByRole('button', { name: 'Delete from history' }).click();
  }

  async undo(): Promise<void> {
    await this.page.locator('.toast').getByRole('button', { name: 'Undo' }).click();
  }
}
