import type { Locator, Page } from 'playwright-core';

export class SettingsPage {
  constructor(private readonly page: Page) {}

  pack(id: string): Locator {
    return this.page.locator(`[data-testid=pack-row][data-pack-id="${id}"]`);
  }
  get packs(): Locator {
    return this.page.getByTestId('pack-row');
  }

  async activePackId(): Promise<string | null> {
    const row = this.packs.filter({ has: this.page.locator('.chip', { hasText: 'in use' }) });
    return (await row.count()) ? row.first().getAttribute('data-pack-id') : null;
  }

  async validate(id: string): Promise<void> {
    await this.pack(id).getByRole('button', { name: 'Validate' }).click();
  }

  async use(id: string): Promise<void> {
    await this.pack(id).getByRole('button', { name: 'Use this pack' }).click();
  }

  /** The switch that hides offensive words in suggestions. */
  get filterOffensive(): Locator {
    return this.page.getByLabel('Hide offensive words in suggestions');
  }

  get threads(): Locator {
    return this.page.getByRole('textbox', { name: 'Threads' });
  }
  get threadsAuto(): Locator {
    return this.page.getByRole('form', { name: 'Threads' }).getByLabel('Automatic');
  }
  get threadsSave(): Locator {
    return this.page.getByRole('form', { name: 'Threads' }).getByRole('button', { name: 'Save' });
  }
  get threadsError(): Locator {
    return this.page.getByTestId('threads-error');
  }
  get threadsNote(): Locator {
    return this.page.getByTestId('threads-note');
  }

  get exportButton(): Locator {
    return this.page.getByRole('button', { name: /Export all data|Exporting/ });
  }

  /** Opens "Delete all data" and returns the dialog. */
  async openDeleteAll(): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Delete all data' }).click();
    return this.page.getByRole('dialog', { name: 'Delete all data?' });
  }

  get provider(): Locator {
    return this.page.getByTestId('execution-provider');
  }
  get dataDir(): Locator {
    return this.page.getByTestId('data-dir');
  }
}
