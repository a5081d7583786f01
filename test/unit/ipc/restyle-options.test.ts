// The IPC edge of issue 11's restyle options: the number of suggestions (1 to 5) and the
// offensive-word filter switch are parsed by the contract's zod schemas before any service runs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHandlers } from '../../../main/ipc/handlers.js';
import { dispatch } from '../../../main/ipc/dispatch.js';
import type { HandlerDeps } from '../../../main/ipc/handler-deps.js';
import type { RestyleEvent, Services, SettingsUpdate } from '../../../main/services/types.js';

function table(seen: { restyle: number[]; updates: SettingsUpdate[] }) {
  const services = {
    onEvent: () => () => {},
    restyle: {
      async *run(req: { n?: number }): AsyncIterable<RestyleEvent> {
        seen.restyle.push(req.n ?? -1);
        yield { type: 'done', aborted: false };
      },
    },
    settings: { update: async (patch: SettingsUpdate) => (seen.updates.push(patch), { filterOffensive: patch.filterOffensive }) },
  } as unknown as Services;
  const d: HandlerDeps = {
    services,
    host: 'web',
    appVersion: '0',
    platform: 'linux',
    emit: () => {},
    resolveFile: async () => ({ path: '/x' }),
    exportTarget: (name) => ({ path: `/exports/${name}` }),
  };
  return createHandlers(d).table;
}

describe('restyle options at the IPC edge', () => {
  const req = { profileId: 1, task: 'paraphrase', draft: 'hello', docs: 'all' } as const;

  test('1 to 5 suggestions are accepted', async () => {
    const seen = { restyle: [] as number[], updates: [] };
    const t = table(seen);
    for (const n of [1, 2, 3, 4, 5]) assert.ok((await dispatch(t, 'restyle:start', { ...req, n })).ok, `n=${n}`);
  });

  test('0, 6 and 2.5 are refused with a message that names the range, before the service runs', async () => {
    const seen = { restyle: [] as number[], updates: [] };
    const t = table(seen);
    for (const n of [0, 6, 2.5]) {
      const r = await dispatch(t, 'restyle:start', { ...req, n });
      assert.ok(!r.ok, `n=${n} was accepted`);
      assert.equal(r.error.code, 'INVALID_INPUT');
      assert.match(r.error.message, /\bn: (ask for 1 to 5 suggestions|the number of suggestions must be a whole number)$/, r.error.message);
    }
    assert.deepEqual(seen.restyle, []);
  });

  test('settings:update takes the filter switch as a boolean only', async () => {
    const seen = { restyle: [], updates: [] as SettingsUpdate[] };
    const t = table(seen);
    assert.ok((await dispatch(t, 'settings:update', { filterOffensive: false })).ok);
    const bad = await dispatch(t, 'settings:update', { filterOffensive: 'off' as unknown as boolean });
    assert.ok(!bad.ok);
    assert.equal(bad.error.code, 'INVALID_INPUT');
    assert.deepEqual(seen.updates, [{ filterOffensive: false }]);
  });
});
