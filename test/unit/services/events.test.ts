import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEvents } from '../../../main/services/context.js';
import type { ServiceEvent } from '../../../main/services/types.js';

test('every listener gets each event, a throwing one stops none of the others, and unsubscribe and clear stop delivery', () => {
  const events = createEvents();
  const got: string[] = [];
  const e: ServiceEvent = { type: 'data-changed', what: 'history' };
  const offA = events.on(() => got.push('a'));
  events.on(() => {
    throw new Error('listener bug');
  });
  events.on((ev) => got.push(`c:${ev.type}`));
  events.emit(e);
  assert.deepEqual(got, ['a', 'c:data-changed']);
  offA();
  events.emit(e);
  assert.deepEqual(got, ['a', 'c:data-changed', 'c:data-changed']);
  events.clear();
  events.emit(e);
  assert.equal(got.length, 3);
});
