import type { Locator, Page } from 'playwright-core';

export class LibraryPage {
  constructor(private readonly page: Page) {}

  get rows(): Locator {
    return this.page.getByTestId('doc-row');
  }

  async search(query: string): Promise<void> {
    await this.page.getByLabel('Search documents').fill(query);
    // The count line carries the query its number belongs to, and whether a search is still running.
    await this.page.waitForFunction((q) => {
      const el = document.querySelector('[data-testid=library-count]');
      return el?.getAttribute('data-query') === q && el.getAttribute('data-state') === 'ready';
    }, query);
  }

  /** Waits until the library's count line shows `n`. */
  async waitForCount(n: number, timeout?: number): Promise<void> {
    await this.page.waitForFunction((want) => document.querySelector('[data-testid=library-count]')?.textContent?.replace(/\D/g, '') === String(want), n, timeout ? { timeout } : {});
  }

  /** The number the library shows for the current query. */
  async count(): Promise<number> {
    const text = (await this.page.getByTestId('library-count').textContent()) ?? '';
    return Number(text.replace(/[^\d]/g, ''));
  }

  /** The row of the document opened from elsewhere (highlighted, aria-current). */
  get focusedRow(): Locator {
    return this.page.locator('[data-testid=doc-row][aria-current=true]');
  }

  /** Whether a row lies wholly inside the list's scrolled viewport. */
  async isInView(row: Locator): Promise<boolean> {
    return row.evaluate((el) => {
      const list = el.closest('.library-scroll')!.getBoundingClientRect();
      const r = el.getBoundingClientRect();
      return r.top >= list.top - 1 && r.bottom <= list.bottom + 1;
    });
  }

  get searchBox(): Locator {
    return this.page.getByLabel('Search documents');
  }

  row(text: string): Locator {
    return this.rows.filter({ has: this.page.locator('.doc-text', { hasText: text }) });
  }

  async remove(row: Locator): Promise<void> {
    await row.getByRole('button', { name: 'Delete document' }).click();
  }

  /** The Undo button of the toast a delete leaves. */
  get undo(): Locator {
    return this.page.locator('.toast').getByRole('button', { name: 'Undo' });
  }

  async rowTexts(): Promise<string[]> {
    return this.rows.locator('.doc-text').allTextContents();
  }
  /** The notice of a cancelled import whose kept documents are not learned ("<file>: N documents kept from a cancelled import are not learned."). */
  heldNotice(file: string): Locator {
    return this.page.locator(`[data-testid=held-import][data-file="${file}"]`);
  }

  /** Every such notice on the page. */
  get heldNotices(): Locator {
    return this.page.getByTestId('held-import');
  }

  /** The notice's sentence. */
  async heldText(file: string): Promise<string> {
    return (await this.heldNotice(file).getByTestId('held-import-text').textContent()) ?? '';
  }

  async learnHeld(file: string): Promise<void> {
    await this.heldNotice(file).getByRole('button', { name: 'Learn them' }).click();
  }

  /** Clicks "Remove them" and returns the confirmation dialog it opens (not confirmed yet). */
  async removeHeld(file: string): Promise<Locator> {
    await this.heldNotice(file).getByRole('button', { name: 'Remove them' }).click();
    const dialog = this.page.getByRole('dialog');
    await dialog.waitFor();
    return dialog;
  }
}
