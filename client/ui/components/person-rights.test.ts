import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActBody } from '../../../shared/room-acts.ts';
import { applyAct, initialRoomState, type RoomRules, type RoomState } from '../../../shared/room-state.ts';
import { standingOf } from '../../engine/room-overview.ts';
import { actionsOn } from './person-rights.ts';

const HOST = 'H'.repeat(43);
const MOD = 'M'.repeat(43);
const OTHER_MOD = 'N'.repeat(43);
const SPEAKER = 'S'.repeat(43);
const LISTENER = 'L'.repeat(43);
const INVITED = 'I'.repeat(43);
const MUTED_SPEAKER = 'U'.repeat(43);
const WAITING = 'W'.repeat(43);
const RULES: RoomRules = { hostKey: HOST, stageMax: 8 };

const ROOM: RoomState = {
  ...initialRoomState,
  kind: 'stage',
  moderators: [MOD, OTHER_MOD],
  speakers: [SPEAKER, MUTED_SPEAKER],
  invited: [INVITED],
  hostMuted: [MUTED_SPEAKER],
  locked: true,
  admitted: [LISTENER, INVITED],
};
const PEOPLE = { HOST, MOD, OTHER_MOD, SPEAKER, LISTENER, INVITED, MUTED_SPEAKER, WAITING };
const TARGETED: ActBody['type'][] = ['invite', 'move-to-audience', 'mute', 'allow-unmute', 'make-moderator', 'remove', 'admit'];

/** The room's meaning, ignoring the order of lists where order means nothing (all but hands). */
const meaning = (state: RoomState): string =>
  JSON.stringify(Object.entries(state).map(([k, v]) => [k, Array.isArray(v) && k !== 'hands' ? [...(v as string[])].sort() : v]));

const buttons = (viewer: string, target: string) => actionsOn({ key: target, name: 'Ben', standing: standingOf(ROOM, RULES, target, viewer) });
const shown = (viewer: string, target: string): ActBody['type'][] => buttons(viewer, target).map((a) => a.act.type);

test('every button shown to staff is an act the room accepts, and every act it would accept but is hidden is missing on purpose', () => {
  for (const viewer of [HOST, MOD]) {
    for (const [name, target] of Object.entries(PEOPLE)) {
      if (target === viewer) continue;
      const actions = shown(viewer, target);
      for (const type of TARGETED) {
        const changes = meaning(applyAct(ROOM, RULES, { by: viewer, act: { type, target } as ActBody })) !== meaning(ROOM);
        // Admit is offered exactly to those waiting in the lobby; other acts but removal wait until they are in.
        const waiting = standingOf(ROOM, RULES, target, viewer).waiting;
        const expected = type === 'admit' ? waiting : changes && (!waiting || type === 'remove');
        assert.equal(actions.includes(type), expected, `${viewer === HOST ? 'host' : 'moderator'} → ${name}: ${type}`);
      }
    }
  }
});

test('speakers and listeners are shown no actions on anyone', () => {
  for (const viewer of [SPEAKER, LISTENER]) {
    for (const target of Object.values(PEOPLE)) assert.deepEqual(shown(viewer, target), []);
  }
});

test('nobody is shown an action on the host', () => {
  assert.deepEqual(shown(MOD, HOST), []);
});

test('a moderator is shown nothing to do to another moderator', () => {
  assert.deepEqual(shown(MOD, OTHER_MOD), []);
});

test('someone not yet introduced has no key and so no actions', () => {
  assert.deepEqual(actionsOn({ key: null, name: 'Ben', standing: standingOf(ROOM, RULES, null, HOST) }), []);
});

test('a muted speaker can be allowed to unmute instead of muted again', () => {
  assert.deepEqual(shown(HOST, MUTED_SPEAKER), ['move-to-audience', 'allow-unmute', 'make-moderator', 'remove']);
});

test('each action names the person it acts on, in a fixed order, with removal drawn as a warning', () => {
  const named = (viewer: string, target: string) => buttons(viewer, target).map((a) => (a.danger ? `${a.label}!` : a.label));
  assert.deepEqual(named(HOST, LISTENER), ['Invite Ben to speak', 'Make Ben a moderator', 'Remove Ben!']);
  assert.deepEqual(named(HOST, SPEAKER), ['Move Ben to the audience', 'Mute Ben', 'Make Ben a moderator', 'Remove Ben!']);
  assert.deepEqual(named(HOST, MOD), ['Move Ben to the audience', 'Mute Ben', 'Remove Ben!']);
  assert.deepEqual(named(MOD, MUTED_SPEAKER), ['Move Ben to the audience', 'Allow Ben to unmute', 'Remove Ben!']);
  assert.deepEqual(named(MOD, WAITING), ['Admit Ben', 'Remove Ben!']);
});
