import type { ActBody } from '../../shared/room-acts.ts';
import type { RoomLog } from '../../shared/room-log.ts';
import { isOnStage, type RoomKind } from '../../shared/room-state.ts';

/** What the creator chose on the landing page, known only to the creator's browser. */
export interface CreatedAs {
  kind?: RoomKind;
  title?: string;
}

/**
 * The acts a member makes by itself once it holds the room's log: the host declares the room
 * type and title it created the room with (once: a later switch by the host stands), and in a
 * hangout a newcomer takes a seat on the stage, unless it asked to listen. Each is still checked
 * when performed.
 */
export function firstActs(log: RoomLog, selfKey: string, created: CreatedAs, takeSeat = true): ActBody[] {
  const acts: ActBody[] = [];
  // A log that starts at a checkpoint has a history before it: the host has set the room up already.
  const told = (type: ActBody['type']): boolean => log.base > 0 || log.entries.some((entry) => entry.act.type === type);
  if (selfKey === log.rules.hostKey) {
    if (created.kind && created.kind !== log.state.kind && !told('set-kind')) acts.push({ type: 'set-kind', kind: created.kind });
    if (created.title && !told('set-info')) acts.push({ type: 'set-info', title: created.title, description: '' });
  }
  if (takeSeat && log.state.kind === 'hangout' && !isOnStage(log.state, log.rules, selfKey)) {
    acts.push({ type: 'take-seat' });
  }
  return acts;
}
