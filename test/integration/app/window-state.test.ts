import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_WINDOW_STATE, loadWindowState, saveWindowState } from '../../../main/app/window-state.js';

const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
let dir: string;
before(async () => (dir = await mkdtemp(join(tmpdir(), 'commer-winstate-'))));
after(() => rm(dir, { recursive: true, force: true }));

describe('window state', () => {
  test('starts with defaults when nothing was saved', () => {
    assert.deepEqual(loadWindowState(dir, screen), DEFAULT_WINDOW_STATE);
  });

  test('restores what was saved, on a display that still exists', async () => {
    const saved = { x: 100, y: 80, width: 1000, height: 700, maximized: true };
    await saveWindowState(dir, saved);
    assert.deepEqual(loadWindowState(dir, screen), saved);
  });

  test('keeps the size but drops a position no display shows any more', async () => {
    await saveWindowState(dir, { x: 3000, y: 100, width: 1000, height: 700, maximized: false });
    assert.deepEqual(loadWindowState(dir, screen), { width: 1000, height: 700, maximized: false });
    assert.deepEqual(loadWindowState(dir, [...screen, { x: 1920, y: 0, width: 2560, height: 1440 }]).x, 3000);
  });

  test('falls back to defaults for a corrupt or implausible file', async () => {
    await writeFile(join(dir, 'window-state.json'), '{not json');
    assert.deepEqual(loadWindowState(dir, screen), DEFAULT_WINDOW_STATE);
    await writeFile(join(dir, 'window-state.json'), JSON.stringify({ width: 5, height: 5 }));
    assert.deepEqual(loadWindowState(dir, screen), DEFAULT_WINDOW_STATE);
  });

  test('writes through a temp file, leaving valid JSON behind', async () => {
    await saveWindowState(dir, { width: 900, height: 600, maximized: false });
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'window-state.json'), 'utf8')), { width: 900, height: 600, maximized: false });
  });
});
