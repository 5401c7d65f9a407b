import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { initialRoomState, type RoomRules, type RoomState } from './room-state.ts';
import { mayLink, meshTopology, type LinkCandidate } from './topology.ts';

const HOST = 'H'.repeat(43);
const SPEAKER = 'S'.repeat(43);
const LISTENER = 'L'.repeat(43);
const OTHER = 'O'.repeat(43);
const RULES: RoomRules = { hostKey: HOST, stageMax: 8 };
const stageRoom: RoomState = { ...initialRoomState, kind: 'stage', speakers: [SPEAKER] };
const member = (key: string, presented = true): LinkCandidate => ({ peer: `peer-${key[0]}`, key, presented });
const everyone = [HOST, SPEAKER, LISTENER, OTHER];
const plan = (room: RoomState, self: string, keys = everyone) =>
  meshTopology({ room, rules: RULES, selfKey: self, members: keys.filter((k) => k !== self).map((k) => member(k)) });

test('on stage, a member links with everyone and sends its microphone on every link', () => {
  const links = plan(stageRoom, SPEAKER);
  assert.deepEqual([...links.keys()].sort(), ['peer-H', 'peer-L', 'peer-O']);
  for (const link of links.values()) assert.equal(link.make && link.send, true);
});

test('a listener links with the stage only, sends nothing, and plays whoever may be heard', () => {
  const links = plan({ ...stageRoom, hostMuted: [SPEAKER] }, LISTENER);
  assert.deepEqual([...links.keys()].sort(), ['peer-H', 'peer-S'], 'no link with the other listener');
  assert.equal([...links.values()].some((l) => l.send), false);
  assert.equal(links.get('peer-H')?.play, true);
  assert.equal(links.get('peer-S')?.play, false, 'muted by the host');
});

test('a speaker who steps down keeps no link with the audience', () => {
  assert.deepEqual([...plan(initialRoomState, SPEAKER).keys()], ['peer-H']);
});

test('someone invited to speak links with the audience before accepting, so they are heard at once', () => {
  const room: RoomState = { ...stageRoom, invited: [LISTENER] };
  assert.equal(plan(room, OTHER).get('peer-L')?.make, true);
  assert.equal(plan(room, LISTENER).get('peer-O')?.send, false, 'but sends nothing until on stage');
});

test('nobody links with someone banned or waiting in the lobby, and a member in the lobby links with nobody', () => {
  const room: RoomState = { ...stageRoom, banned: [OTHER], locked: true, admitted: [] };
  assert.deepEqual([...plan(room, HOST).keys()].sort(), ['peer-S'], 'the banned and the lobby are left out');
  assert.equal(plan(room, LISTENER).size, 0, 'a listener not admitted waits in the lobby');
});

test('a link is made only to a member that has introduced itself', () => {
  const links = meshTopology({ room: stageRoom, rules: RULES, selfKey: HOST, members: [member(SPEAKER, false)] });
  assert.deepEqual(links.get('peer-S'), { make: false, send: true, play: true });
});

const key = fc.constantFrom(...everyone);
const anyRoom: fc.Arbitrary<RoomState> = fc.record({
  kind: fc.constantFrom('hangout' as const, 'stage' as const),
  speakers: fc.uniqueArray(key),
  moderators: fc.uniqueArray(key),
  hostMuted: fc.uniqueArray(key),
  invited: fc.uniqueArray(key),
  banned: fc.uniqueArray(key),
  locked: fc.boolean(),
  admitted: fc.uniqueArray(key),
}).map((r) => ({ ...initialRoomState, ...r }));

test('both sides of a pair agree on whether they link: no one waits for a link the other will not make', () => {
  fc.assert(
    fc.property(anyRoom, key, key, (room, a, b) => {
      fc.pre(a !== b);
      const ab = plan(room, a, [b]).get(`peer-${b[0]}`);
      const ba = plan(room, b, [a]).get(`peer-${a[0]}`);
      assert.equal(ab === undefined, ba === undefined, 'one side holds a link the other drops');
      if (ab) assert.ok(mayLink(room, RULES, a, b) && mayLink(room, RULES, b, a), 'a planned link is one both may hold');
    }),
  );
});

test('only someone on stage sends, and only a member that may be heard is played', () => {
  fc.assert(
    fc.property(anyRoom, key, (room, self) => {
      for (const [peer, link] of plan(room, self)) {
        const other = everyone.find((k) => `peer-${k[0]}` === peer)!;
        const onStage = (k: string): boolean => k === HOST || room.speakers.includes(k) || room.moderators.includes(k);
        assert.equal(link.send, onStage(self));
        if (link.play) assert.ok(onStage(other) && !room.hostMuted.includes(other));
        const soon = (k: string): boolean => onStage(k) || room.invited.includes(k);
        if (link.make) assert.ok(soon(self) || soon(other), 'two listeners never link, unless one is invited to speak');
      }
    }),
  );
});
