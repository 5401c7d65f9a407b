import { draftAct, sameAct, type ActBody, type SignedAct } from '../../shared/room-acts.ts';
import type { Identity } from '../../shared/crypto.ts';
import { headOf, lengthOf, type RoomLog } from '../../shared/room-log.ts';
import type { BackgroundSign } from './background-signer.ts';

/**
 * An act signed ahead, off the main thread, for the place in the log it would take: the first act
 * a person's Join makes (a hangout's seat; the host's room type) is signed while they type their
 * name, so the click only adds it. One act and one place at a time: the log moving on, or another act, makes it useless, and
 * the act is then signed when made, as any other.
 */
export interface ActsAhead {
  /** Signs `act` for the log's next place, in the background; nothing more while that one stands. */
  prepare(log: RoomLog, act: ActBody): void;
  /** `act`, signed ahead for exactly the log's next place, if it is ready; taken once. */
  take(log: RoomLog, act: ActBody): SignedAct | null;
}

interface Place {
  n: number;
  prev: string;
  act: ActBody;
}

export function createActsAhead(identity: Identity, signInBackground: BackgroundSign): ActsAhead {
  let wanted: Place | null = null;
  let ready: SignedAct | null = null;
  const placeOf = (log: RoomLog, act: ActBody): Place => ({ n: lengthOf(log), prev: headOf(log), act });
  const same = (a: Place | null, b: Place): boolean => a !== null && a.n === b.n && a.prev === b.prev && sameAct(a.act, b.act);

  return {
    prepare(log, act) {
      const place = placeOf(log, act);
      if (same(wanted, place)) return;
      wanted = place;
      ready = null;
      const draft = draftAct(act, place, identity, log.roomId);
      signInBackground(draft.toSign).then(
        (signature) => {
          // Still the place wanted: a newer wish or a take since makes this signature useless.
          if (signature && wanted === place) ready = draft.signed(signature);
        },
        // Nothing ready: the act is signed when made, as any other.
        () => undefined,
      );
    },
    take(log, act) {
      if (!same(wanted, placeOf(log, act))) return null;
      // Taken, ready or not: a signature still on its way is for a place used now.
      const signed = ready;
      [wanted, ready] = [null, null];
      return signed;
    },
  };
}
