import * as v from 'valibot';
import { derive } from './crypto.ts';
import { toBase64Url, utf8 } from './encoding.ts';
import { Bytes32Schema, MAX_DESCRIPTION_LENGTH, MAX_TITLE_LENGTH, SignedActSchema, verifyAct, type SignedAct } from './room-acts.ts';
import type { RoomRules, RoomState } from './room-state.ts';

/**
 * A checkpoint lets a newcomer start from the room as it stands instead of replaying its whole
 * history. The host signs a `checkpoint` act into the log like any other act; it names the digest
 * of the room at that place. A member then hands a newcomer that act and the room it names, and
 * only the acts after it: the newcomer checks one signature against the host key from the link and
 * that the room matches the digest, instead of thousands of signatures.
 * The act also starts a new count of the log's places (log-quota.ts), so a long-lived room never fills.
 * Only the host's word is taken for history the newcomer did not see: the host key is the one key
 * every member knows without the log.
 *
 *   digest = derive('porch room state', canonical JSON of the room's fields in a fixed order)
 */
export interface Checkpoint {
  /** The host's `checkpoint` act, at its place in the log. */
  act: SignedAct;
  /** The room just before that act (which changes nothing), matching the act's digest. */
  state: RoomState;
}

/** People named in a checkpoint's room, over all its lists: what one sealed message can carry. */
export const MAX_CHECKPOINT_KEYS = 300;

const identityKey = Bytes32Schema;
const keys = v.pipe(v.array(identityKey), v.maxLength(MAX_CHECKPOINT_KEYS), v.readonly());

const lists = ['moderators', 'speakers', 'hands', 'invited', 'hostMuted', 'banned', 'admitted'] as const;
export const keysIn = (state: RoomState): number => lists.reduce((sum, list) => sum + state[list].length, 0);

export const RoomStateSchema = v.pipe(
  v.strictObject({
    kind: v.picklist(['hangout', 'stage']),
    title: v.pipe(v.string(), v.maxLength(MAX_TITLE_LENGTH)),
    description: v.pipe(v.string(), v.maxLength(MAX_DESCRIPTION_LENGTH)),
    moderators: keys,
    speakers: keys,
    hands: keys,
    invited: keys,
    hostMuted: keys,
    banned: keys,
    locked: v.boolean(),
    admitted: keys,
    ended: v.boolean(),
    standIn: v.nullable(identityKey),
    epoch: v.nullable(Bytes32Schema),
    movedTo: v.nullable(Bytes32Schema),
  }),
  v.check((state) => keysIn(state) <= MAX_CHECKPOINT_KEYS, 'a checkpoint names too many people'),
);

export const CheckpointSchema = v.strictObject({ act: SignedActSchema, state: RoomStateSchema });

/** Field by field in a fixed order, so the digest never depends on who serialized the room. */
const canonical = (state: RoomState): Uint8Array =>
  utf8(
    JSON.stringify([
      state.kind,
      state.title,
      state.description,
      ...lists.map((list) => state[list]),
      state.locked,
      state.ended,
      state.standIn,
      state.epoch,
      state.movedTo,
    ]),
  );

export const stateDigest = (state: RoomState): string => toBase64Url(derive('porch room state', canonical(state), 32));

/** Whether the room is small enough to checkpoint: beyond this the log simply goes on without. */
export const checkpointable = (state: RoomState): boolean => keysIn(state) <= MAX_CHECKPOINT_KEYS;

/**
 * Whether a checkpoint handed over by a member is the host's word for this room: a `checkpoint`
 * act signed by the host, naming exactly this room. Cheap checks first, the signature last.
 */
export function verifyCheckpoint(checkpoint: Checkpoint, roomId: string, rules: RoomRules): boolean {
  const { act, state } = checkpoint;
  if (act.by !== rules.hostKey || act.act.type !== 'checkpoint') return false;
  if (act.act.state !== stateDigest(state)) return false;
  return verifyAct(act, roomId);
}
