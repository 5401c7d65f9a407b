/**
 * The people of the room-log tests: a host, Mia, Ann and Ben, each with an identity of their own,
 * in a room the host created (a stage of four, host included).
 */
import { createIdentity, type Identity } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import type { RoomRules } from '../../shared/room-state.ts';

export const ROOM_ID = 'roomid_0123456789abcd';
export const host = createIdentity();
export const mia = createIdentity();
export const ann = createIdentity();
export const ben = createIdentity();
export const key = (who: Identity): string => toBase64Url(who.publicKey);
export const [HOST, MIA, ANN, BEN] = [host, mia, ann, ben].map(key) as [string, string, string, string];
export const RULES: RoomRules = { hostKey: HOST, stageMax: 4 };
