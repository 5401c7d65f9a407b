/** A room's view (what the engine shows a shell) for unit tests of what is derived from it. */
import type { Participant, RoomView } from '../../client/engine/room-types.ts';
import { overviewOf, standingOf } from '../../client/engine/room-overview.ts';
import { initialRoomState, type RoomRules } from '../../shared/room-state.ts';

export const SELF_KEY = 'S'.repeat(43);
export const HOST_KEY = 'H'.repeat(43);
export const RULES: RoomRules = { hostKey: HOST_KEY, stageMax: 8 };

/** Joined to a settled room with nobody else, under the name Sam; `changes` replace fields. */
export function roomView(changes: Partial<RoomView> = {}, rules: RoomRules = RULES): RoomView {
  return {
    phase: 'joined',
    movedTo: null,
    signaling: { kind: 'connected' },
    microphone: 'off',
    muted: false,
    name: 'Sam',
    title: '',
    selfId: 'peer_self_00000000',
    safetyNumber: '',
    selfSpeaking: false,
    participants: [],
    tampered: 0,
    inputs: [],
    inputId: null,
    hideAddress: false,
    relay: 'absent',
    selfKey: SELF_KEY,
    verified: [],
    overview: overviewOf(initialRoomState, rules, SELF_KEY, { settled: true, refusedActs: 0, actingHost: null }),
    reaction: null,
    route: { mode: 'mesh', via: 0, serving: 0, mixed: false, mixing: false },
    sealedOut: false,
    snapshotRefused: false,
    ...changes,
  };
}

/** Someone else in the room, connected and listening; `changes` replace fields. */
export function participant(changes: Partial<Participant> & Pick<Participant, 'id' | 'name'>, rules: RoomRules = RULES): Participant {
  const key = changes.key === undefined ? null : changes.key;
  return {
    muted: false,
    connection: 'connected',
    speaking: false,
    safetyNumber: null,
    security: 'ok',
    key,
    standing: standingOf(initialRoomState, rules, key, SELF_KEY),
    reaction: null,
    arrivedAt: null,
    ...changes,
  };
}
