import type { RoomView } from '../engine/room.ts';
import type { ConnectionView } from '../engine/room-types.ts';
import { assertNever } from '../../shared/result.ts';
import { verificationOf } from '../engine/verification.ts';

export interface StatusLine {
  tone: 'info' | 'warn' | 'bad';
  text: string;
}

/** What the person should know about their own situation right now; empty when all is well. */
export function statusLines(state: RoomView): StatusLine[] {
  const lines: StatusLine[] = [];
  switch (state.phase) {
    case 'room-full':
      return [{ tone: 'bad', text: 'This room is full. Try again when someone leaves.' }];
    case 'replaced':
      return [{ tone: 'bad', text: 'You joined this room from another tab, so this one was disconnected.' }];
    case 'left':
      return [{ tone: 'info', text: 'You left the room.' }];
    case 'removed':
      return [{ tone: 'bad', text: 'You were removed from this room.' }];
    case 'ended':
      return [{ tone: 'info', text: 'The host ended this room.' }];
    case 'moved':
      return [
        state.movedTo
          ? { tone: 'info', text: 'Everyone here moved to a new link.' }
          : { tone: 'warn', text: 'Everyone here moved to a new link, which only those let in were given. Ask someone in the room for it.' },
      ];
    case 'ready':
      return [];
    case 'joining':
    case 'joined':
      break;
    default:
      return assertNever(state.phase);
  }
  for (const p of state.participants) {
    if (verificationOf(p, state.verified) === 'changed') {
      lines.push({ tone: 'bad', text: `${p.name} is not the ${p.name} you verified: their safety number is different. Verify them again.` });
    }
  }
  const s = state.signaling;
  if (s.kind === 'connecting' && s.attempt > 0) {
    lines.push({ tone: 'warn', text: `Reconnecting to the room server (attempt ${s.attempt})…` });
  } else if (s.kind === 'connecting' || (state.phase === 'joining' && s.kind === 'idle')) {
    lines.push({ tone: 'info', text: 'Connecting to the room…' });
  } else if (s.kind === 'reconnecting') {
    const seconds = Math.max(1, Math.round(s.retryInMs / 1000));
    const keeps = state.participants.some((p) => p.connection === 'connected') ? ' Audio with people already here continues.' : '';
    lines.push({
      tone: 'warn',
      text: `Can't reach the room server — retrying in ${seconds} s (attempt ${s.attempt}).${keeps}`,
    });
  }
  if (state.relay === 'refused') lines.push({ tone: 'bad', text: RELAY_REFUSED });
  const stage = state.overview;
  if (state.phase === 'joined' && !stage.settled) {
    lines.push(
      state.sealedOut
        ? { tone: 'info', text: "This room's saved state is sealed for the people who were in it since a removal or lock. You're let in when one of them is back." }
        : { tone: 'info', text: "Getting the room's state from the people here…" },
    );
  }
  if (state.snapshotRefused) {
    lines.push({ tone: 'warn', text: "The room server would not keep this room's state, so its roles, removals and lock last only while someone is here." });
  }
  if (stage.waiting && stage.locked) {
    lines.push({ tone: 'info', text: "The room is locked. You're waiting in the lobby until a host or moderator lets you in." });
  }
  if (stage.hostMuted) {
    lines.push({ tone: 'warn', text: 'A host muted you. Nobody hears you until a host or moderator allows you to unmute.' });
  }
  if (stage.refusedActs > 0) {
    const n = stage.refusedActs;
    lines.push({
      tone: 'warn',
      text:
        n === 1
          ? '1 change to the room was ignored: it was signed by someone without the right.'
          : `${n} changes to the room were ignored: they were signed by someone without the right.`,
    });
  }
  const lost = lostLine(state);
  if (lost) lines.push(lost);
  const split = splitLine(state);
  if (split) lines.push(split);
  if (state.tampered > 0) {
    const [what, it] = state.tampered === 1 ? ['1 message it delivered was', 'it'] : [`${state.tampered} messages it delivered were`, 'them'];
    lines.push({ tone: 'bad', text: `The room server is tampering with this room: ${what} altered, forged or misrouted, and dropped. The people here did not send ${it}.` });
  }
  for (const p of state.participants) {
    if (p.security === 'unsecured') {
      lines.push({ tone: 'bad', text: `The connection to ${p.name} could not be secured: their messages fail security checks and are dropped.` });
    }
  }
  if (state.microphone === 'denied') {
    lines.push({ tone: 'warn', text: 'Microphone access was blocked, so you joined listen-only. Allow the microphone and rejoin to talk.' });
  } else if (state.microphone === 'unavailable') {
    lines.push({ tone: 'warn', text: 'No microphone was found, so you joined listen-only.' });
  }
  return lines;
}

/** Acts the room had taken and then lost to a history without them: whose, and what comes of them. */
function lostLine(state: RoomView): StatusLine | null {
  const lost = state.overview.lostActs;
  if (lost.length === 0) return null;
  const nameOf = (key: string): string => (key === state.selfKey ? 'you' : (state.participants.find((p) => p.key === key)?.name ?? 'someone who has left'));
  const authors = new Intl.ListFormat('en').format(new Set(lost.map((act) => nameOf(act.by))));
  const text =
    lost.length === 1
      ? `1 change to the room by ${authors} was lost when the room settled on a history without it. It is made again when its author is back; a host or moderator can also make it again now.`
      : `${lost.length} changes to the room by ${authors} were lost when the room settled on a history without them. They are made again when their authors are back; a host or moderator can also make them again now.`;
  return { tone: 'warn', text };
}

/** Members whose history of the room parted from ours, and the fork rule cannot settle it while the host is away. */
function splitLine(state: RoomView): StatusLine | null {
  const names = state.overview.splitWith.map((id) => state.participants.find((p) => p.id === id)?.name ?? 'someone');
  if (names.length === 0) return null;
  const whom = names.length === 1 ? `${names[0]}'s` : `those of ${new Intl.ListFormat('en').format(names)}`;
  return {
    tone: 'warn',
    text: `Your copy of the room's history differs from ${whom}, and the two could not be reconciled: who is on stage, who moderates and who was removed may look different to each of you until the host is back.`,
  };
}

/** Two listeners hold no link (nothing would flow on it), so nothing is said about one. */
export const connectionLabel: Record<ConnectionView, string> = {
  unlinked: '',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  failed: 'Connection failed — retrying',
};

const RELAY_REFUSED =
  "This server's relay turned away the credentials the server gave: their TURN secrets don't match. Whoever runs this server needs to fix that; until then, nobody can be reached while your IP address is hidden.";

/** Under "Hide my IP address" in the join form: what it does here, or why it cannot. */
export const hideAddressHint: Record<RoomView['relay'], string> = {
  offered:
    "Your audio goes through this server's relay, so people in the room don't learn your IP address. The relay and the room server still see it. It can add a little delay.",
  checking: 'Checking whether this server can hide your IP address…',
  absent: "Hiding your IP address isn't available here: this server has no relay, so people you connect with can see your IP address.",
  refused: RELAY_REFUSED,
};

export const securityLabel: Record<'unsecured', string> = {
  unsecured: 'Not secure',
};

export interface Liveness {
  text: 'Reconnecting' | 'In the lobby' | 'Waiting' | 'Listening' | 'Muted by host' | 'No microphone' | 'Muted' | 'Live';
  /** ok: others hear you; quiet: nobody expects to; warn: something stands between you and the room. */
  tone: 'ok' | 'quiet' | 'warn';
}

/** The one-word answer to "am I on air?", always visible while in the room. */
export function liveness(s: RoomView): Liveness {
  if (s.signaling.kind !== 'connected') return { text: 'Reconnecting', tone: 'warn' };
  if (s.overview.waiting) return { text: s.overview.locked ? 'In the lobby' : 'Waiting', tone: 'warn' };
  if (s.overview.role === 'listener') return { text: 'Listening', tone: 'quiet' };
  if (s.overview.hostMuted) return { text: 'Muted by host', tone: 'warn' };
  if (s.microphone !== 'live') return { text: 'No microphone', tone: 'warn' };
  if (s.muted) return { text: 'Muted', tone: 'warn' };
  return { text: 'Live', tone: 'ok' };
}

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** Names shown before "and N others" at the join form. */
const NAMES_BEFORE_JOINING = 3;

/** At the join form, once the room has come in: who is here (null while we cannot know yet). */
export function hereNowText(s: RoomView): string | null {
  if (s.phase !== 'ready' || s.signaling.kind !== 'connected') return null;
  const names = s.participants.filter((p) => !p.standing.waiting).map((p) => p.name);
  if (names.length === 0) return 'Nobody else is here yet.';
  const shown = names.slice(0, NAMES_BEFORE_JOINING);
  const others = names.length - shown.length;
  const list = new Intl.ListFormat('en').format(others > 0 ? [...shown, count(others, 'other', 'others')] : shown);
  return `${list} ${names.length === 1 ? 'is' : 'are'} here.`;
}

/** How the stage reaches a listener fed through the relay tree, and whom they pass it on to; null otherwise. */
export function routeText(s: RoomView): string | null {
  if (s.phase !== 'joined' || s.route.mode !== 'tree' || s.overview.role !== 'listener' || s.overview.waiting) return null;
  const { via, serving, mixed, mixing } = s.route;
  const from =
    via === null ? 'Hearing the stage through a backup relay' : via === 0 ? 'Hearing the stage directly' : `Hearing the stage via ${count(via, 'relay', 'relays')}`;
  // A mix is worth saying: its speakers cannot be told apart by volume, and it comes a little later.
  const heard = mixed ? `${from}, mixed into one stream` : from;
  if (serving === 0) return heard;
  return `${heard} · passing it on to ${count(serving, 'person', 'people')}${mixing ? ', mixed into one stream' : ''}`;
}
