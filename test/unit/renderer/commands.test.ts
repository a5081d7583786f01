// The renderer's pure helpers behind the command palette, the History draft and the
// Threads field (their UI is tested in test/e2e/tools.e2e.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterCommands, matchScore, type Command } from '../../../renderer/src/lib/commands.js';
import { shortForm, SHORT_CHARS } from '../../../renderer/src/components/ExpandableText.js';
import { threadsProblem } from '../../../renderer/src/components/ThreadsSetting.js';

const cmd = (title: string, keywords = '', group: Command['group'] = 'Actions'): Command => ({ id: title, title, keywords, group, run: () => {} });

test('palette matching: title prefix, then word prefixes in the title, then keywords, then letters in order', () => {
  const list = [cmd('Export all data', 'backup download'), cmd('History', '', 'Go to'), cmd('Search history', 'find'), cmd('Settings', 'threads', 'Go to')];
  assert.deepEqual(
    filterCommands(list, 'hist').map((c) => c.title),
    ['History', 'Search history'],
  );
  assert.deepEqual(
    filterCommands(list, 'backup').map((c) => c.title),
    ['Export all data'],
  );
  assert.deepEqual(
    filterCommands(list, 'exp data').map((c) => c.title),
    ['Export all data'],
  );
  assert.deepEqual(
    filterCommands(list, 'stngs').map((c) => c.title),
    ['Settings'],
    'letters in order',
  );
  assert.deepEqual(filterCommands(list, 'zzqx'), []);
  assert.equal(filterCommands(list, '').length, list.length, 'an empty query lists everything in order');
  assert.equal(matchScore(cmd('Settings'), 'SETT'), 0, 'case does not matter');
  assert.ok(matchScore(cmd('Search history'), 'history')! < matchScore(cmd('Export all data', 'history'), 'history')!, 'a title word ranks before a keyword');
});

test('a long draft is cut at a word boundary with an ellipsis; a short one is left whole', () => {
  assert.equal(shortForm('a short draft'), null);
  assert.equal(shortForm('x'.repeat(SHORT_CHARS)), null);
  const long = 'word '.repeat(60).trim();
  const s = shortForm(long)!;
  assert.ok(s.endsWith('…') && s.length <= SHORT_CHARS + 1, s);
  assert.ok(long.startsWith(s.slice(0, -1)) && s.slice(0, -1).endsWith('word'), 'cut between words');
  // One very long word: cut at the limit instead.
  assert.equal(shortForm('y'.repeat(400)), `${'y'.repeat(SHORT_CHARS)}…`);
});

test('threads input: whole numbers from 1 to the processors, each refusal saying why', () => {
  assert.equal(threadsProblem('4', 8), null);
  assert.equal(threadsProblem(' 8 ', 8), null);
  assert.match(threadsProblem('9', 8)!, /^9 is out of range: enter a whole number from 1 to 8 \(this computer has 8 processors\)/);
  assert.match(threadsProblem('0', 8)!, /^0 is out of range/);
  assert.match(threadsProblem('1.5', 8)!, /“1\.5” is not a thread count/);
  assert.match(threadsProblem('-1', 8)!, /“-1” is not a thread count/);
  assert.match(threadsProblem('', 8)!, /^Enter a whole number from 1 to 8/);
  assert.match(threadsProblem('2', 1)!, /1 processor\)/);
});
