import type { Locator, Page } from 'playwright-core';

export class HistoryPage {
  constructor(private readonly page: Page) {}

  get items(): Locator {
    return this.page.getByTestId('history-item');
  }

  item(output: string): Locator {
    return this.items.filter({ has: this.page.locator('.history-output', { hasText: output }) });
  }

  async remove(item: Locator): Promise<void> {
    await item.getByRole('button', { name: 'Delete from history' }).click();
  }

  async undo(): Promise<void> {
    await this.page.locator('.toast').getByRole('button', { name: 'Undo' }).click();
  }
}
