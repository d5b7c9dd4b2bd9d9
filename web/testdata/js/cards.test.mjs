// Unit tests of the DOM-free helpers of cards.js, run by web_test.go with node --test.
import test from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, elapsed, statusText, needsWrapup, isEnded, humanize, cssId, contactName } from '../js/cards.js';

test('formatDuration', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(42.9), '0:42');
  assert.equal(formatDuration(61), '1:01');
  assert.equal(formatDuration(3723), '1:02:03');
  assert.equal(formatDuration(-5), '0:00');
  assert.equal(formatDuration(NaN), '0:00');
});

test('elapsed uses ended_at, else now', () => {
  const start = '2026-11-21T06:00:00.000Z';
  assert.equal(elapsed(start, '2026-11-21T06:01:30.000Z'), 90);
  assert.equal(elapsed(start, undefined, Date.parse('2026-11-21T06:00:10.000Z')), 10);
  assert.equal(elapsed('', undefined), 0);
  assert.equal(elapsed('garbage', undefined), 0);
});

test('statusText: wrap-up code replaces the status', () => {
  assert.equal(statusText({ status_label: 'In progress', wrapup_code: 'resolved' }), 'resolved');
  assert.equal(statusText({ status_label: 'Waiting' }), 'Waiting');
  assert.equal(statusText({ status: 'waiting_customer' }), 'Waiting for customer');
  assert.equal(statusText({ state_name: 'requeued' }), 'Requeued');
  assert.equal(statusText(null), '');
});

test('needsWrapup and isEnded', () => {
  const me = 'ana';
  const ongoing = { color: 'blue', agent: { id: me } };
  const endedByAgent = { color: 'blue', ended_at: 'x', agent: { id: me } };
  const endedByCustomer = { color: 'white', ended_at: 'x', agent: { id: me } };
  const done = { color: 'gray', ended_at: 'x', wrapup_code: 'ok', agent: { id: me } };
  const other = { color: 'white', ended_at: 'x', agent: { id: 'ben' } };
  assert.equal(needsWrapup(ongoing, me), false);
  assert.equal(needsWrapup(endedByAgent, me), true);
  assert.equal(needsWrapup(endedByCustomer, me), true);
  assert.equal(needsWrapup(done, me), false);
  assert.equal(needsWrapup(other, me), false);
  assert.equal(isEnded(ongoing), false);
  assert.equal(isEnded(done), true);
});

test('small helpers', () => {
  assert.equal(humanize('waiting_customer'), 'Waiting customer');
  assert.equal(humanize(undefined), '');
  assert.equal(cssId('a b"<c>'), 'a_b__c_');
  assert.equal(contactName({ contact: { email: 'x@y' } }), 'x@y');
  assert.equal(contactName({}), 'Visitor');
});
