import type { Locator, Page } from 'playwright-core';

export class ModelPage {
  constructor(private readonly page: Page) {}

  get charts(): Locator {
    return this.page.locator('figure.chart svg[role=img]');
  }
  get evalSections(): Locator {
    return this.page.getByTestId('eval-section');
  }
  get emptyState(): Locator {
    return this.page.getByRole('heading', { name: 'This pack has no evaluation' });
  }
}
