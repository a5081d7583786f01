import type { Locator, Page } from 'playwright-core';

export class ProfilesPage {
  constructor(private readonly page: Page) {}

  card(name: string): Locator {
    return this.page.getByTestId('profile-card').filter({ has: this.page.getByRole('heading', { name }) });
  }

  async create(name: string): Promise<void> {
    const input = this.page.getByLabel(/Name your first profile|New profile/);
    await input.fill(name);
    await this.page.getByRole('button', { name: 'Create', exact: true }).click();
  }

  async rename(from: string, to: string): Promise<void> {
    await this.page.getByRole('button', { name: `Rename ${from}` }).click();
    const input = this.page.getByLabel('Profile name');
    await input.fill(to);
    await this.page.getByRole('button', { name: 'Save', exact: true }).click();
  }

  async remove(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Delete ${name}` }).click();
    await this.page.getByRole('dialog').getByRole('button', { name: 'Delete profile' }).click();
  }
}
