import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUDIENCE_WHOLE_MAX, audienceShown, HANDS_SHOWN_MAX, RECENT_MAX, RECENT_MS, type Listener } from './audience-shown.ts';

const NOW = 1_000_000;

interface Named extends Listener {
  name: string;
}

/** `n` listeners here before us, named L0, L1…, with ourselves first. */
function audience(n: number): Named[] {
  const others = Array.from({ length: n - 1 }, (_, i) => ({ name: `L${i}`, hand: null, arrivedAt: null, self: false }));
  return [{ name: 'me', hand: null, arrivedAt: null, self: true }, ...others];
}

const names = (shown: readonly Named[]): string[] => shown.map((l) => l.name);

function withChanges(listeners: Named[], changes: Record<string, Partial<Listener>>): Named[] {
  return listeners.map((l) => ({ ...l, ...changes[l.name] }));
}

test('a small audience is shown whole, raised hands first in line order', () => {
  const small = withChanges(audience(AUDIENCE_WHOLE_MAX), { L3: { hand: 1 }, L7: { hand: 0 } });
  const { shown, changesAt } = audienceShown(small, NOW);
  assert.equal(shown.length, AUDIENCE_WHOLE_MAX);
  assert.deepEqual(names(shown).slice(0, 4), ['L7', 'L3', 'me', 'L0']);
  assert.equal(changesAt, null);
});

test('in a room of five hundred only raised hands, yourself and the latest newcomers get a tile', () => {
  const big = withChanges(audience(500), {
    L10: { hand: 1 },
    L20: { hand: 0 },
    L30: { arrivedAt: NOW - 5_000 },
    L40: { arrivedAt: NOW - 1_000 },
  });
  const { shown } = audienceShown(big, NOW);
  assert.deepEqual(names(shown), ['L20', 'L10', 'me', 'L30', 'L40']);
});

test('a person who asks to see everyone is shown the whole audience, hands first', () => {
  const big = withChanges(audience(500), { L99: { hand: 0 } });
  const { shown, changesAt } = audienceShown(big, NOW, { whole: true });
  assert.equal(shown.length, 500);
  assert.deepEqual(names(shown).slice(0, 3), ['L99', 'me', 'L0']);
  assert.equal(changesAt, null);
});

test('however many hands are up, only the first in line get a tile', () => {
  const hands = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`L${i + 50}`, { hand: 99 - i }]));
  const { shown } = audienceShown(withChanges(audience(500), hands), NOW);
  const shownHands = shown.filter((l) => l.hand !== null);
  assert.equal(shownHands.length, HANDS_SHOWN_MAX);
  assert.deepEqual(
    shownHands.map((l) => l.hand),
    Array.from({ length: HANDS_SHOWN_MAX }, (_, i) => i),
  );
});

test('only the few newest arrivals are shown, and a newcomer with a raised hand takes no newcomer place', () => {
  const arrivals = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`L${i}`, { arrivedAt: NOW - 10_000 + i * 1_000 }]));
  const crowd = withChanges(audience(200), { ...arrivals, L9: { arrivedAt: NOW - 1_000, hand: 0 } });
  const newcomers = audienceShown(crowd, NOW).shown.filter((l) => !l.self && l.hand === null);
  assert.equal(newcomers.length, RECENT_MAX);
  assert.deepEqual(names(newcomers), ['L6', 'L7', 'L8']);
});

test('a newcomer stops being shown a minute after arriving, and the choice says when that happens', () => {
  const crowd = withChanges(audience(100), { L1: { arrivedAt: NOW - 50_000 }, L2: { arrivedAt: NOW - 20_000 } });
  const now = audienceShown(crowd, NOW);
  assert.deepEqual(names(now.shown), ['me', 'L1', 'L2']);
  assert.equal(now.changesAt, NOW - 50_000 + RECENT_MS);
  const later = audienceShown(crowd, now.changesAt ?? 0);
  assert.deepEqual(names(later.shown), ['me', 'L2']);
  assert.equal(later.changesAt, NOW - 20_000 + RECENT_MS);
  assert.equal(audienceShown(crowd, NOW + RECENT_MS).changesAt, null);
});
