import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemotePlayer } from './remote-player.ts';

/** Just what the player touches on an audio element. */
class FakeElement {
  autoplay = false;
  muted = false;
  srcObject: MediaStream | null = null;
  plays = 0;
  play(): Promise<void> {
    this.plays += 1;
    return Promise.resolve();
  }
}

function setup() {
  const elements: FakeElement[] = [];
  const player = createRemotePlayer(() => {
    const el = new FakeElement();
    elements.push(el);
    return el as unknown as HTMLAudioElement;
  });
  return { player, elements };
}

/** A stream with one audio track whose `enabled` flag the player may flip. */
const streamNamed = (id: string): MediaStream => {
  const track = { kind: 'audio', enabled: true };
  return { id, getAudioTracks: () => [track] } as unknown as MediaStream;
};
const trackEnabled = (stream: MediaStream): boolean => stream.getAudioTracks()[0]!.enabled;

test('each member is played through their own element, audible by default', () => {
  const { player, elements } = setup();
  const ann = streamNamed('ann');
  const ben = streamNamed('ben');
  player.play('ann', ann);
  player.play('ben', ben);
  assert.equal(elements.length, 2);
  assert.deepEqual(
    elements.map((el) => [el.srcObject, el.muted, el.autoplay]),
    [
      [ann, false, true],
      [ben, false, true],
    ],
  );
});

test('a member made inaudible is muted, and heard again once audible', () => {
  const { player, elements } = setup();
  player.play('ann', streamNamed('ann'));
  player.play('ben', streamNamed('ben'));
  player.setAudible('ann', false);
  assert.deepEqual(
    elements.map((el) => el.muted),
    [true, false],
  );
  player.setAudible('ann', true);
  assert.equal(elements[0]?.muted, false);
  assert.equal(elements[0]?.plays, 1, 'unmuting needs no new play(), which autoplay rules could refuse');
});

test('being inaudible is remembered for a stream that arrives later, and across a new link', () => {
  const { player, elements } = setup();
  player.setAudible('ann', false);
  player.play('ann', streamNamed('ann-1'));
  assert.equal(elements[0]?.muted, true);

  // The link closed and a new one brings a new stream: still not heard.
  player.play('ann', null);
  player.play('ann', streamNamed('ann-2'));
  assert.equal(elements.length, 2);
  assert.equal(elements[1]?.muted, true);

  player.setAudible('ann', true);
  player.play('ann', streamNamed('ann-3'));
  assert.equal(elements[1]?.muted, false);
});

test('a member who was never played can be made inaudible or audible without effect elsewhere', () => {
  const { player, elements } = setup();
  player.setAudible('ghost', false);
  player.setAudible('ghost', true);
  player.play('ann', streamNamed('ann'));
  assert.equal(elements[0]?.muted, false);
});

test('destroy detaches every stream and forgets who was inaudible', () => {
  const { player, elements } = setup();
  player.setAudible('ann', false);
  player.play('ann', streamNamed('ann'));
  player.destroy();
  assert.equal(elements[0]?.srcObject, null);
  player.play('ann', streamNamed('ann-again'));
  assert.equal(elements[1]?.muted, false);
});

test('an inaudible member’s tracks are disabled, so they are silent wherever their audio goes', () => {
  const { player } = setup();
  const ann = streamNamed('ann');
  player.setAudible('ann', false);
  player.play('ann', ann);
  assert.equal(trackEnabled(ann), false, 'a stream arriving for an inaudible member starts disabled');
  player.setAudible('ann', true);
  assert.equal(trackEnabled(ann), true);
  player.setAudible('ann', false);
  assert.equal(trackEnabled(ann), false);
});
