/**
 * A room session at a fork in the room log: what it shows when the history it keeps leaves out
 * an act it had taken, and whom it tells. Remote members sign real acts with their own identities.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toBase64Url } from '../../shared/encoding.ts';
import type { ActBody } from '../../shared/room-acts.ts';
import { append, createLog, signNext, type RoomLog } from '../../shared/room-log.ts';
import { HIGH, LATE, LOW, ROOM, setup } from '../../test/helpers/room-harness.ts';
import { STAGE_MAX } from './room.ts';

test('a removal that the host’s later history leaves out shows as lost, and goes to its author', async (t) => {
  const r = setup(t, { hostPeer: LOW });
  const keyOf = (id: string): string => toBase64Url(r.peer(id).identity.publicKey);
  const signed = (log: RoomLog, by: string, body: ActBody) => signNext(log, body, r.peer(by).identity);
  const then = (log: RoomLog, by: string, body: ActBody): RoomLog => {
    const result = append(log, signed(log, by, body));
    return result.ok ? result.log : assert.fail(`${by} may not ${body.type}`);
  };
  // A stage room in which Mia (HIGH) moderates.
  let room = createLog(ROOM, { hostKey: keyOf(LOW), stageMax: STAGE_MAX });
  room = then(room, LOW, { type: 'set-kind', kind: 'stage' });
  room = then(room, LOW, { type: 'make-moderator', target: keyOf(HIGH) });
  await r.joinRoom([LOW, HIGH]);
  for (const id of [LOW, HIGH]) r.receive(id, { kind: 'presence', name: id === LOW ? 'Host' : 'Mia', muted: false, log: room.entries.length });
  const request = r.peerMessages().find((m) => m.message.kind === 'acts-request');
  assert.ok(request);
  r.receive(request.to, { kind: 'acts', entries: [...room.entries] });

  const removal = signed(room, HIGH, { type: 'remove', target: keyOf(LATE) });
  r.receive(HIGH, { kind: 'acts', entries: [removal] });
  assert.deepEqual(r.session.state.get().overview.lostActs, []);
  // The server kept the removal from the host, which now acts at the same place; the host's history wins.
  r.receive(LOW, { kind: 'acts', entries: [signed(room, LOW, { type: 'set-info', title: 'Later', description: '' })] });
  assert.equal(r.session.state.get().title, 'Later');
  const lost = r.session.state.get().overview.lostActs;
  assert.deepEqual(
    lost.map(({ by, act }) => [by, act]),
    [[keyOf(HIGH), { type: 'remove', target: keyOf(LATE) }]],
  );
  const handed = r.peerMessages().find((m) => m.to === HIGH && m.message.kind === 'lost-acts');
  assert.ok(handed?.message.kind === 'lost-acts');
  assert.deepEqual(handed.message.entries, [removal], 'the moderator, who alone can sign it again, is handed it');
});
