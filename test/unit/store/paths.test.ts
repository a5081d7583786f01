import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultDataDir } from '../../../main/store/paths.js';

test('data folder follows each OS convention and COMMER_DATA_DIR overrides it', () => {
  assert.equal(defaultDataDir({ COMMER_DATA_DIR: '/x/y' }, 'linux'), '/x/y');
  assert.equal(defaultDataDir({}, 'linux'), join(homedir(), '.local', 'share', 'commer-studio'));
  assert.equal(defaultDataDir({ XDG_DATA_HOME: '/xdg' }, 'linux'), join('/xdg', 'commer-studio'));
  assert.equal(defaultDataDir({}, 'darwin'), join(homedir(), 'Library', 'Application Support', 'commer-studio'));
  assert.equal(defaultDataDir({ APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, 'win32'), join('C:\\Users\\me\\AppData\\Roaming', 'commer-studio'));
});
