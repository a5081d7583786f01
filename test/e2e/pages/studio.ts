// Page objects for the e2e suite: each screen's selectors and actions live here, so
// the tests read as user stories and a markup change is fixed in one place.
import type { Locator, Page } from 'playwright-core';
import { ImportPage } from './import-page.js';
import { LibraryPage } from './library-page.js';
import { RestylePage } from './restyle-page.js';
import { HistoryPage } from './history-page.js';
import { ProfilesPage } from './profiles-page.js';
import { SettingsPage } from './settings-page.js';
import { ModelPage } from './model-page.js';
import { Palette } from './palette.js';

export type View = 'Restyle' | 'Library' | 'Import' | 'History' | 'Profiles' | 'Model' | 'Settings';

export interface DroppedFile {
  name: string;
  bytes: Buffer;
  type?: string;
}

export class Studio {
  readonly importPage: ImportPage;
  readonly library: LibraryPage;
  readonly restyle: RestylePage;
  readonly history: HistoryPage;
  readonly profiles: ProfilesPage;
  readonly settings: SettingsPage;
  readonly model: ModelPage;
  readonly palette: Palette;

  constructor(readonly page: Page) {
    // Playwright's 30 s default is shorter than loading the 135M pack takes while the machine is busy
    // (seen: pack switches timing out at a load average of 18). A wait that is only slow must not fail;
    // one that never ends still fails, just later. Waits that expect something fast set their own timeout.
    page.setDefaultTimeout(120_000);
    this.importPage = new ImportPage(page);
    this.library = new LibraryPage(page);
    this.restyle = new RestylePage(page);
    this.history = new HistoryPage(page);
    this.profiles = new ProfilesPage(page);
    this.settings = new SettingsPage(page);
    this.model = new ModelPage(page);
    this.palette = new Palette(page);
  }

  /** Puts a pack in use from Settings (when it is not already) and waits until the page says so. */
  async usePack(id: string, timeout = 300_000): Promise<void> {
    await this.go('Settings');
    if ((await this.settings.activePackId()) !== id) await this.settings.use(id);
    await this.settings.pack(id).locator('.chip', { hasText: 'in use' }).waitFor({ timeout });
  }

  /**
   * The set-up most restyle stories start from: `pack` in use, a new (first) profile `profile`,
   * each file dropped on the Import page it leads to and its import finished, then every
   * document learned (the Restyle header counts them). `afterImport` runs after each file's
   * import, for a test that checks what the Import page says at that moment.
   */
  async learnedProfile(pack: string, profile: string, files: DroppedFile[], opts: { importTimeout?: number; afterImport?: (file: DroppedFile) => Promise<void> } = {}): Promise<void> {
    await this.usePack(pack);
    await this.go('Profiles');
    await this.profiles.create(profile);
    await this.page.getByRole('heading', { name: 'Import', level: 1 }).waitFor(); // the first profile leads on to import
    let learned = 0;
    for (const f of files) {
      await this.dropFiles([f]);
      const phase = await this.importPage.waitFinished([f.name], opts.importTimeout ?? 300_000);
      if (phase !== 'done') throw new Error(`${f.name}: the import ended "${phase}"; the page shows: ${(await this.importPage.progress.textContent())?.slice(0, 300)}`);
      learned += await this.importPage.stat('stored'); // a new profile: every stored document is new to it
      await opts.afterImport?.(f);
    }
    await this.go('Restyle');
    await this.page.getByText(`${learned.toLocaleString('en-US')} documents learned`).waitFor({ timeout: 300_000 });
  }

  get heading(): Locator {
    return this.page.getByRole('heading', { level: 1 });
  }

  async open(url: string): Promise<void> {
    const res = await this.page.goto(url);
    if (!res?.ok()) throw new Error(`the host answered ${res?.status()} for the app page`);
    await this.page
      .getByRole('navigation', { name: 'Main' })
      .waitFor({ timeout: 15_000 })
      .catch(async (e: unknown) => {
        throw new Error(`the app did not start; the page shows: ${(await this.page.textContent('body'))?.slice(0, 300)}`, { cause: e });
      });
  }

  async go(view: View): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: view, exact: true }).click();
    await this.heading.filter({ hasText: view }).waitFor();
  }

  /** The sidebar's "Learning the style" box (shown while documents are being learned). */
  get sidebarLearning(): Locator {
    return this.page.getByTestId('sidebar-learning');
  }

  /** The profile the sidebar says is in use. */
  async activeProfileName(): Promise<string> {
    const select = this.page.getByLabel('Writing as');
    return (await select.locator('option:checked').textContent()) ?? '';
  }

  /** Waits until the sidebar shows `name` as the profile in use. */
  async waitActiveProfile(name: string): Promise<void> {
    await this.page.waitForFunction((n) => {
      const select = document.querySelector<HTMLSelectElement>('.profile-switch select');
      return select?.selectedOptions[0]?.textContent === n;
    }, name);
  }

  async switchProfile(name: string): Promise<void> {
    await this.page.getByLabel('Writing as').selectOption({ label: name });
  }

  /**
   * Drops files on the window the way the OS does: a drag-enter, then a drop whose
   * DataTransfer carries real File objects built from the bytes.
   */
  async dropFiles(files: DroppedFile[]): Promise<void> {
    const payload = files.map((f) => ({ name: f.name, type: f.type ?? '', b64: f.bytes.toString('base64') }));
    const dt = await this.page.evaluateHandle((items) => {
      const transfer = new DataTransfer();
      for (const it of items) {
        const bin = Uint8Array.from(atob(it.b64), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bin], it.name, { type: it.type }));
      }
      return transfer;
    }, payload);
    const root = this.page.getByTestId('app-root');
    await root.dispatchEvent('dragenter', { dataTransfer: dt });
    await root.dispatchEvent('dragover', { dataTransfer: dt });
    await root.dispatchEvent('drop', { dataTransfer: dt });
    await dt.dispose();
  }

  /** Closes every notification, so a screenshot shows the screen itself. */
  async clearToasts(): Promise<void> {
    const close = this.page.locator('.toast').getByRole('button', { name: 'Dismiss' });
    while (await close.count()) await close.first().click();
  }

  toast(text: string | RegExp): Locator {
    return this.page.locator('.toast').filter({ hasText: text });
  }
}
