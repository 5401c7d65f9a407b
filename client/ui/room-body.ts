import { html, nothing, type TemplateResult } from 'lit';
import { isStaff } from '../../shared/room-state.ts';
import type { Participant, RoomView } from '../engine/room.ts';
import { verificationOf } from '../engine/verification.ts';
import { renderPeople, type PeopleOptions } from './room-people.ts';
import './components/invite-banner.ts';
import './components/stage-controls.ts';
import './components/verify-dialog.ts';

/** What drawing the room needs from the page it is on (room-page.ts), beyond the people's. */
export interface RoomBodyOptions extends PeopleOptions {
  /** Whom the verify dialog is about, if anyone. */
  verifying: Participant | null;
  /** The invitation to others, drawn by the page as its join form draws it. */
  invite: TemplateResult;
}

/**
 * The room once the person is in it, drawn inside the room page (room-styles.ts): the invitation
 * to speak, the lobby or the people with staff tools beside them, the verify dialog, the person's
 * own controls and the invitation to others. Returns when the people shown change by themselves
 * (room-people.ts), for the page to draw again then.
 */
export function renderRoomBody(s: RoomView, o: RoomBodyOptions): { view: TemplateResult; changesAt: number | null } {
  const staff = isStaff(s.overview.role) && s.phase === 'joined';
  const people = s.overview.waiting ? null : renderPeople(s, o);
  const view = html`
    ${s.overview.invited && s.overview.role === 'listener'
      ? html`<porch-invite-banner ?full=${!s.overview.permitted.includes('accept-invite')}></porch-invite-banner>`
      : nothing}
    ${people
      ? html`<div class="layout ${staff ? 'with-aside' : ''}">
          <div class="main" part="people">${people.view}</div>
          ${staff ? renderStaffTools(s) : nothing}
        </div>`
      : html`<section class="card lobby" aria-labelledby="lobby-title">
          <h2 id="lobby-title">Waiting to be let in</h2>
          <p class="hint">
            ${s.sealedOut
              ? "Until someone who was in this room is back, you don't hear the room and nobody hears you."
              : "Until a host or moderator admits you, you don't hear the room and nobody hears you."}
          </p>
        </section>`}
    <porch-verify-dialog
      .ownNumber=${s.safetyNumber}
      .theirId=${o.verifying?.id ?? ''}
      .theirName=${o.verifying?.name ?? ''}
      .theirNumber=${o.verifying?.safetyNumber ?? ''}
      .verification=${o.verifying ? verificationOf(o.verifying, s.verified) : 'unverified'}
    ></porch-verify-dialog>
    <porch-stage-controls class="controls" part="controls" role="region" aria-label="Your controls" .state=${s}></porch-stage-controls>
    ${o.invite}
  `;
  return { view, changesAt: people?.changesAt ?? null };
}

/** Loaded when someone becomes staff (staff-tools.ts): nobody joining waits for them. */
function renderStaffTools(s: RoomView) {
  import('./components/staff-tools.ts').catch((error: unknown) => console.warn('porch: staff tools did not load', error));
  const present = s.participants.filter((p) => p.key !== null);
  const hands = present.filter((p) => p.standing.hand !== null && !p.standing.waiting).sort((a, b) => (a.standing.hand ?? 0) - (b.standing.hand ?? 0));
  const waiting = present.filter((p) => p.standing.waiting);
  return html`<aside aria-label="Room tools">
    <porch-hand-queue class="card" .people=${hands}></porch-hand-queue>
    ${s.overview.locked || waiting.length > 0 ? html`<porch-lobby-list class="card" .people=${waiting}></porch-lobby-list>` : nothing}
    <porch-room-settings class="card" .stage=${s.overview} .roomTitle=${s.title}></porch-room-settings>
  </aside>`;
}
