import type { Locator, Page } from 'playwright-core';

export class ImportPage {
  constructor(private readonly page: Page) {}

  get progress(): Locator {
    return this.page.getByTestId('import-progress');
  }
  get errors(): Locator {
    return this.page.getByTestId('import-errors');
  }
  file(name: string): Locator {
    return this.page.getByTestId('import-file').filter({ hasText: name });
  }

  async phase(): Promise<string | null> {
    return this.progress.getAttribute('data-phase');
  }

  async stat(name: 'parsed' | 'stored' | 'compressed' | 'duplicates'): Promise<number> {
    const text = (await this.page.getByTestId(`stat-${name}`).textContent()) ?? '';
    return Number(text.split('/')[0]!.replace(/[^\d]/g, ''));
  }

  /**
   * Waits until the import of these files has finished, and returns the card's
   * phase as it was at that moment. The rows of these files must be on the card
   * (so a finished card left from an earlier import does not count), every one of
   * them in a final phase, and the card too; all read in one pass over the page,
   * so the phase returned is the one that was waited for.
   */
  async waitFinished(files: string[], timeout: number): Promise<string> {
    const handle = await this.page
      .waitForFunction(
        (names) => {
          // No named helpers in here: the page gets this function's source, without tsx's __name.
          const finalPhases = ['done', 'failed', 'cancelled'];
          const card = document.querySelector('[data-testid=import-progress]');
          const phase = card?.getAttribute('data-phase') ?? '';
          if (!card || !finalPhases.includes(phase)) return null;
          const rows = [...card.querySelectorAll('[data-testid=import-file]')];
          const mine = names.map((n) => rows.filter((r) => r.querySelector('.file-name')?.textContent === n));
          if (mine.some((m) => m.length === 0)) return null;
          if (!mine.flat().every((r) => finalPhases.includes(r.getAttribute('data-phase') ?? ''))) return null;
          return phase;
        },
        files,
        { timeout },
      )
      .catch(async (e: unknown) => {
        // Say what the card showed when the wait gave up: a hang and a slow import look alike otherwise.
        const card = this.page.getByTestId('import-progress');
        const seen = (await card.count())
          ? await card.evaluate((c) => ({
              phase: c.getAttribute('data-phase'),
              rows: [...c.querySelectorAll('[data-testid=import-file]')].map((r) => `${r.querySelector('.file-name')?.textContent}: ${r.getAttribute('data-phase')}`),
              text: (c.textContent ?? '').slice(0, 400),
            }))
          : 'no import card';
        throw new Error(`${e instanceof Error ? e.message : String(e)}; the card showed ${JSON.stringify(seen)}`);
      });
    return (await handle.jsonValue()) as string;
  }

  /** The card asking whether to read `file` in another encoding. */
  encodingProposal(file: string): Locator {
    return this.page.locator(`[data-testid=encoding-proposal][data-file="${file}"]`);
  }

  /** Answers the encoding proposal for `file`: 'use' the proposed encoding, or 'keep' the chosen one. */
  async answerEncoding(file: string, answer: 'use' | 'keep'): Promise<void> {
    const card = this.encodingProposal(file);
    await card.getByRole('button', { name: answer === 'use' ? /^Use / : /^Keep / }).click();
    await card.waitFor({ state: 'detached' });
  }

  /** The card asking which column of `file` holds the text. */
  columnPicker(file: string): Locator {
    return this.page.locator(`[data-testid=column-picker][data-file="${file}"]`);
  }

  /** The column the picker has selected now. */
  async pickedColumn(file: string): Promise<string> {
    return this.columnPicker(file).locator('input[type=radio]:checked').inputValue();
  }

  async pickColumn(file: string, column: string): Promise<void> {
    const card = this.columnPicker(file);
    await card.locator(`input[type=radio][value="${column}"]`).check();
    await card.getByRole('button', { name: /^Import / }).click();
    await card.waitFor({ state: 'detached' });
  }

  /** The problem list: its heading, and one entry per file that had problems. */
  get problems(): Locator {
    return this.page.getByTestId('import-problems');
  }

  async problemFiles(): Promise<Array<{ file: string; count: number; failed: boolean; summary: string; text: string }>> {
    return this.problems.getByTestId('import-error-file').evaluateAll((items) =>
      items.map((li) => ({
        file: li.getAttribute('data-file') ?? '',
        count: Number(li.getAttribute('data-count')),
        failed: li.getAttribute('data-failed') === 'true',
        summary: li.querySelector('[data-testid=import-error-summary]')?.textContent ?? '',
        text: li.textContent ?? '',
      })),
    );
  }

  async pickFiles(paths: string[]): Promise<void> {
    await this.page.locator('#import-file-input').setInputFiles(paths);
  }

  /** The card's one-sentence summary (the toast at the end says the same). */
  get summary(): Locator {
    return this.page.getByTestId('import-summary');
  }
  get title(): Locator {
    return this.progress.locator('.section-title').first();
  }
  /** A file row's own count ("12 / 40 learned", "40 kept · 12 learned"). */
  fileCount(name: string): Locator {
    return this.file(name).getByTestId('import-file-count');
  }
  /** A file row's own bar (shown when several files were dropped). */
  fileBar(name: string): Locator {
    return this.file(name).getByRole('progressbar');
  }

  async cancel(): Promise<void> {
    await this.progress.getByRole('button', { name: 'Cancel' }).click();
  }

  async removeWhatItAdded(): Promise<void> {
    await this.progress.getByRole('button', { name: 'Remove what this import added' }).click();
  }

  /** Waits until the card's phase is `phase` (the data-phase the card itself carries). */
  async waitPhase(phase: string, timeout = 60_000): Promise<void> {
    await this.page
      .waitForFunction((ph) => document.querySelector('[data-testid=import-progress]')?.getAttribute('data-phase') === ph, phase, { timeout })
      .catch(async (e: unknown) => {
        const card = (await this.progress.count()) ? `phase ${await this.phase()}: ${await this.progress.textContent()}` : 'no import card';
        throw new Error(`the import card did not reach phase ${phase}; ${card}`, { cause: e });
      });
  }

  async dismiss(): Promise<void> {
    await this.progress.getByRole('button', { name: 'Dismiss' }).click();
  }
}
