import type { PeerMessage } from '../../shared/peer-message.ts';
import { createRoomSecret, linkIdOf, parseRoomFragment, type RoomSecret } from '../../shared/room-link.ts';
import type { RoomKind } from '../../shared/room-state.ts';
import { equalBytes } from '../../shared/encoding.ts';

/**
 * Moving everyone here to a fresh link. Whoever moves the room makes a new secret (the same host
 * key, so the host stays host), hands it pairwise to each member the log lets in, and then signs
 * the act that names it by its id only (room-link.ts linkIdOf) and ends the room here. A member
 * follows a link only when the log names its id, so nobody can send the room elsewhere without
 * the right; the removed and those waiting in the lobby are never handed it.
 */
export interface NewLinksDeps {
  hostKey: Uint8Array;
  send(to: string, message: PeerMessage): void;
  /** Members the room lets in and who have joined (not only looking in), by peer id. */
  letIn(): readonly string[];
}

/** The room as it was, for its host to set the new one up alike. */
export interface MovedRoom {
  kind: RoomKind;
  title: string;
}

export interface HandedLink {
  secret: RoomSecret;
  room: MovedRoom;
}

export interface NewLinks {
  /** Makes a fresh link and hands it to everyone the room lets in; returns its id, for the act. */
  handOut(room: MovedRoom): string;
  /** A member handed us a link (new-link). */
  onLink(message: Extract<PeerMessage, { kind: 'new-link' }>): void;
  /** The link handed to us under this id, if any was. */
  find(id: string): HandedLink | null;
}

/** Links kept that the log has not named yet: more than staff would make in a moment. */
const KEPT = 4;

export function createNewLinks(deps: NewLinksDeps): NewLinks {
  const handed = new Map<string, HandedLink>();

  /** The first link under an id stands: whoever hands it again cannot change what the room was. */
  function keep(link: HandedLink): void {
    const id = linkIdOf(link.secret);
    if (handed.has(id)) return;
    handed.set(id, link);
    for (const id of handed.keys()) if (handed.size > KEPT) handed.delete(id);
  }

  return {
    handOut(room) {
      const secret = createRoomSecret(deps.hostKey);
      keep({ secret, room });
      const message: PeerMessage = { kind: 'new-link', link: secret.text, stage: room.kind === 'stage', title: room.title };
      for (const peer of deps.letIn()) deps.send(peer, message);
      return linkIdOf(secret);
    },
    onLink({ link, stage, title }) {
      const parsed = parseRoomFragment(link);
      // Another host's room is another room: the host of this one stays host of where it moves.
      if (!parsed.ok || !equalBytes(parsed.value.hostKey, deps.hostKey)) return;
      keep({ secret: parsed.value, room: { kind: stage ? 'stage' : 'hangout', title } });
    },
    find: (id) => handed.get(id) ?? null,
  };
}
