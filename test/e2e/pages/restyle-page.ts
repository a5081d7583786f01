import type { Locator, Page } from 'playwright-core';

export class RestylePage {
  constructor(private readonly page: Page) {}

  get draft(): Locator {
    return this.page.getByLabel('Your draft');
  }
  get suggestions(): Locator {
    return this.page.getByTestId('suggestion');
  }
  suggestionText(i: number): Locator {
    return this.suggestions.nth(i).getByTestId('suggestion-text');
  }

  async chooseTask(label: 'Tweet paraphrase' | 'Headline'): Promise<void> {
    await this.page.getByRole('radiogroup', { name: 'Task' }).getByLabel(label).check();
  }

  /** The "Number of suggestions" control (1 to 5). */
  async chooseCount(n: number): Promise<void> {
    await this.page.getByLabel('Number of suggestions').selectOption(String(n));
  }
  /** The notes on suggestion cards that say how many offensive words were hidden. */
  get hiddenNotes(): Locator {
    return this.page.getByTestId('hidden-note');
  }
  /** The line beside the suggestions that says which documents were used. */
  get docsUsed(): Locator {
    return this.page.getByTestId('docs-used');
  }

  /** The "Compare without my voice" switch. */
  get compareToggle(): Locator {
    return this.page.getByRole('switch', { name: 'Compare without my voice' });
  }
  /** The "without my voice" texts, one under each suggestion while the comparison is on. */
  get withoutVoice(): Locator {
    return this.page.getByTestId('without-voice');
  }
  withoutVoiceText(i: number): Locator {
    return this.suggestions.nth(i).getByTestId('without-voice-text');
  }
  /** Waits until every suggestion has its finished "without my voice" text. */
  async waitWithoutVoiceDone(timeout: number, count = 3): Promise<void> {
    await this.page.waitForFunction(
      (n) => {
        const blocks = [...document.querySelectorAll('[data-testid=suggestion] [data-testid=without-voice]')];
        return blocks.length === n && blocks.every((b) => b.getAttribute('aria-busy') === 'false' && b.getAttribute('data-finish'));
      },
      count,
      { timeout },
    );
  }
  /** The "why it sounds like you" documents of suggestion i. */
  closestDocs(i: number): Locator {
    return this.suggestions.nth(i).getByTestId('closest-doc');
  }
  /** The style-strength slider ("generic" .. "fully me") and the words beside it. */
  get strength(): Locator {
    return this.page.getByLabel('Style strength');
  }
  get strengthValue(): Locator {
    return this.page.getByTestId('style-strength-value');
  }
  /** Moves the slider with the keyboard, as a user would: Home (generic), then `steps` steps up. */
  async setStrengthSteps(steps: number): Promise<void> {
    await this.strength.focus();
    await this.strength.press('Home');
    for (let i = 0; i < steps; i++) await this.strength.press('ArrowRight');
  }

  async useAll(): Promise<void> {
    await this.page.getByLabel('All', { exact: true }).check();
  }

  async useRelevant(n: number): Promise<void> {
    await this.page.getByLabel('Most relevant').check();
    await this.page.getByLabel('Number of relevant documents').fill(String(n));
  }

  /** Types the draft and runs with the keyboard shortcut, as a user would. */
  async run(draft: string): Promise<void> {
    await this.draft.fill(draft);
    await this.draft.press('Control+Enter');
  }

  async waitAllDone(timeout: number, count = 3): Promise<void> {
    await this.page.waitForFunction(
      (n) => {
        const cards = [...document.querySelectorAll('[data-testid=suggestion]')];
        return cards.length === n && cards.every((c) => c.getAttribute('aria-busy') === 'false');
      },
      count,
      { timeout },
    );
  }

  /**
   * Waits until the host has closed every candidate (each card carries the finish
   * reason the host reported) and returns how each ended and after how many tokens.
   */
  async finished(timeout: number): Promise<Array<{ finish: string; tokens: number }>> {
    const handle = await this.page.waitForFunction(
      () => {
        const cards = [...document.querySelectorAll('[data-testid=suggestion]')];
        if (cards.length === 0 || !cards.every((c) => c.getAttribute('data-finish'))) return null;
        return cards.map((c) => ({ finish: c.getAttribute('data-finish')!, tokens: Number(c.getAttribute('data-tokens')) }));
      },
      undefined,
      { timeout },
    );
    return (await handle.jsonValue()) as Array<{ finish: string; tokens: number }>;
  }

  /** Waits until the first card shows streamed tokens: a generation is under way. */
  async waitStreaming(timeout: number): Promise<void> {
    await this.page.waitForFunction(() => Number(document.querySelector('[data-testid=suggestion]')?.getAttribute('data-tokens') ?? 0) > 0, undefined, { timeout });
  }

  /** Copy suggestion i; a card folded as garbled (sampling can give one) is opened with "Show it" first, as a writer would. */
  async copy(i: number): Promise<void> {
    const card = this.suggestions.nth(i);
    if ((await card.getByTestId('garbled-fold').count()) > 0) await card.getByRole('button', { name: 'Show it' }).click();
    await this.page.getByRole('button', { name: `Copy suggestion ${i + 1}` }).click();
  }
}
