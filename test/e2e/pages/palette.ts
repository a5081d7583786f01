import type { Locator, Page } from 'playwright-core';

/** The command palette (Ctrl/Cmd+K). */
export class Palette {
  constructor(private readonly page: Page) {}

  get dialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Command palette' });
  }
  get input(): Locator {
    return this.dialog.getByRole('combobox', { name: 'Type a command' });
  }
  get options(): Locator {
    return this.dialog.getByRole('option');
  }
  get selected(): Locator {
    return this.dialog.locator('[role=option][aria-selected=true]');
  }
  option(title: string): Locator {
    return this.options.filter({ has: this.page.locator('.palette-title', { hasText: title }) });
  }

  /** Opens it with the keyboard, as a user would. */
  async open(): Promise<void> {
    await this.page.keyboard.press('Control+k');
    await this.input.waitFor();
  }

  async titles(): Promise<string[]> {
    return this.options.locator('.palette-title').allTextContents();
  }

  /** Every option that shows a shortcut: its title and the keys, as shown. */
  async shortcuts(): Promise<Array<{ title: string; keys: string[]; sequence: boolean }>> {
    return this.options.evaluateAll((els) =>
      els
        .filter((el) => el.querySelector('[data-testid=palette-keys]'))
        .map((el) => ({
          title: el.querySelector('.palette-title')?.textContent ?? '',
          keys: [...el.querySelectorAll('[data-testid=palette-keys] kbd')].map((k) => k.textContent ?? ''),
          sequence: el.querySelector('.palette-then')?.textContent === 'then',
        })),
    );
  }

  /** Types a query and runs the command Enter picks. */
  async run(query: string): Promise<void> {
    await this.input.fill(query);
    await this.input.press('Enter');
    await this.dialog.waitFor({ state: 'hidden' });
  }
}
