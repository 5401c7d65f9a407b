import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RemotePlayer } from './audio/remote-player.ts';
import type { StageMix } from './audio/stage-mix.ts';
import { createStageMixing } from './stage-mixing.ts';

function setup() {
  const told: string[] = [];
  const player: RemotePlayer = {
    play: (key, stream) => void told.push(`play ${key} ${stream ? 'stream' : 'null'}`),
    setAudible: (key, audible) => void told.push(`${key} ${audible ? 'audible' : 'silent'}`),
    destroy: () => void told.push('destroy'),
  };
  const mixes: { inputs: Map<string, MediaStream>; stopped: boolean; track: MediaStreamTrack }[] = [];
  const create = (): StageMix => {
    const mix = { inputs: new Map<string, MediaStream>(), stopped: false, track: { id: `mix-${mixes.length}` } as unknown as MediaStreamTrack };
    mixes.push(mix);
    return { track: mix.track, set: (key, stream) => void (stream ? mix.inputs.set(key, stream) : mix.inputs.delete(key)), stop: () => void (mix.stopped = true) };
  };
  return { mixing: createStageMixing(player, create), told, mixes };
}

const stream = (id: string): MediaStream => ({ id }) as unknown as MediaStream;

test('the player hears of everything, and no mix is made until the relay mixes', () => {
  const { mixing, told, mixes } = setup();
  mixing.setAudible('ann', true);
  mixing.play('ann', stream('a'));
  assert.deepEqual(told, ['ann audible', 'play ann stream']);
  assert.equal(mixes.length, 0);
  assert.equal(mixing.track(), null);
});

test('a mix takes what plays and leaves out what is silent, from the start and as it changes', () => {
  const { mixing, mixes } = setup();
  mixing.play('ann', stream('a'));
  mixing.setAudible('ben', false);
  mixing.play('ben', stream('b'));
  assert.equal(mixing.start(), true);
  const [mix] = mixes;
  assert.equal(mixing.track(), mix?.track);
  assert.deepEqual([...(mix?.inputs.keys() ?? [])], ['ann'], 'ben is silent here, so he is silent in the mix');
  mixing.setAudible('ben', true);
  mixing.setAudible('ann', false);
  assert.deepEqual([...(mix?.inputs.keys() ?? [])], ['ben']);
  mixing.play('ben', null);
  assert.deepEqual([...(mix?.inputs.keys() ?? [])], [], 'a stream that went leaves the mix');
});

test('no longer mixing stops the mix; destroying the player stops it too', () => {
  const { mixing, mixes, told } = setup();
  mixing.start();
  mixing.start();
  assert.equal(mixes.length, 1, 'started once');
  mixing.stop();
  assert.equal(mixes[0]?.stopped, true);
  assert.equal(mixing.track(), null);
  mixing.start();
  mixing.destroy();
  assert.equal(mixes[1]?.stopped, true);
  assert.equal(told.at(-1), 'destroy');
});

test('leaving on purpose, the player falls silent but the mix goes on with what it had', () => {
  const { mixing, mixes, told } = setup();
  mixing.play('ann', stream('a'));
  mixing.start();
  mixing.handOver();
  mixing.setAudible('ann', false);
  assert.equal(told.at(-1), 'ann silent');
  assert.deepEqual([...(mixes[0]?.inputs.keys() ?? [])], ['ann'], 'those we feed hear the stage until their backups do');
});

test('a page that cannot make an audio graph cannot mix, and does not try again', () => {
  let tries = 0;
  const player: RemotePlayer = { play() {}, setAudible() {}, destroy() {} };
  const mixing = createStageMixing(player, () => {
    tries += 1;
    throw new Error('no AudioContext here');
  });
  assert.equal(mixing.start(), false);
  assert.equal(mixing.start(), false);
  assert.equal(tries, 1);
  assert.equal(mixing.track(), null);
});
