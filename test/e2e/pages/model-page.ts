import type { Locator, Page } from 'playwright-core';

export class ModelPage {
  constructor(private readonly page: Page) {}

  /** The charts against the number of documents (perplexity, ROUGE-L), not the style-strength chart. */
  get charts(): Locator {
    return this.page.locator('figure.chart:not([data-testid=strength-chart]) svg[role=img]');
  }
  get strengthCharts(): Locator {
    return this.page.getByTestId('strength-chart');
  }
  get evalSections(): Locator {
    return this.page.getByTestId('eval-section');
  }
  get emptyState(): Locator {
    return this.page.getByRole('heading', { name: 'This pack has no evaluation' });
  }
}
