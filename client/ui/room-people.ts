import { html, nothing, type TemplateResult } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { isStaff, type Role } from '../../shared/room-state.ts';
import { AUDIENCE_WHOLE_MAX, audienceShown, type Listener } from '../engine/audience-shown.ts';
import type { Participant, RoomView } from '../engine/room.ts';
import { verificationOf, type Verification } from '../engine/verification.ts';
import { connectionLabel, securityLabel } from './status-text.ts';
import './components/participant-tile.ts';

const RANK: Record<Role, number> = { host: 0, moderator: 1, speaker: 2, listener: 3 };

/** What drawing the people needs from the page they are on. */
export interface PeopleOptions {
  now: number;
  /** The person asked to see the whole audience, not only those worth seeing. */
  everyone: boolean;
  showEveryone(everyone: boolean): void;
  verify(p: Participant): void;
}

/** One person as placed on the page; `person` is null for ourselves. */
interface Seat extends Listener {
  role: Role;
  person: Participant | null;
}

/**
 * The stage, every one of it, above the audience as a count and the people worth seeing in it
 * (audience-shown.ts), drawn inside the room page (room-styles.ts). Returns when the choice of
 * whom to show changes by itself, for the page to draw again then.
 */
export function renderPeople(s: RoomView, o: PeopleOptions): { view: TemplateResult; changesAt: number | null } {
  const seats: Seat[] = [
    { role: s.overview.role, hand: s.overview.hand, arrivedAt: null, self: true, person: null },
    ...s.participants
      .filter((p) => !p.standing.waiting)
      .map((p) => ({ role: p.standing.role, hand: p.standing.hand, arrivedAt: p.arrivedAt, self: false, person: p })),
  ];
  const onStage = seats.filter((x) => x.role !== 'listener').sort((a, b) => RANK[a.role] - RANK[b.role]);
  const audience = seats.filter((x) => x.role === 'listener');
  const { shown, changesAt } = audienceShown(audience, o.now, { whole: o.everyone });
  const layout = isStaff(s.overview.role) ? 'people managing' : 'people';
  // Keyed by person: when the lists shift, an open menu closes rather than staying open on whoever now sits in its place.
  const draw = (x: Seat) => (x.person ? keyed(x.person.id, renderPerson(x.person, s, o)) : renderSelf(s));
  const view = html`
    <section aria-labelledby="stage-title">
      <h2 id="stage-title">On stage <span class="n">· ${onStage.length}</span></h2>
      <div class="${layout} stage">${onStage.length ? onStage.map(draw) : html`<p class="hint">Nobody is on stage yet.</p>`}</div>
    </section>
    <section aria-labelledby="audience-title">
      <h2 id="audience-title">${audience.length} listening</h2>
      <div class=${layout}>${shown.length ? shown.map(draw) : html`<p class="hint">Nobody is listening yet.</p>`}</div>
      ${audience.length > AUDIENCE_WHOLE_MAX
        ? html`<p class="row">
            ${o.everyone ? nothing : html`<span class="hint">Raised hands, you and the latest arrivals.</span>`}
            <button @click=${() => o.showEveryone(!o.everyone)}>${o.everyone ? 'Show fewer' : `Show all ${audience.length}`}</button>
          </p>`
        : nothing}
    </section>
  `;
  return { view, changesAt };
}

function renderSelf(s: RoomView) {
  const onStage = s.overview.role !== 'listener';
  return html`<div class="person">
    <porch-participant
      .name=${s.name}
      ?self=${true}
      ?muted=${onStage && (s.muted || s.microphone !== 'live')}
      ?host-muted=${s.overview.hostMuted}
      ?speaking=${s.selfSpeaking}
      .stageRole=${s.overview.role}
      ?acting=${s.overview.actingHost === s.selfKey}
      .hand=${s.overview.hand}
      .reaction=${s.reaction}
    ></porch-participant>
  </div>`;
}

/** The actions menu comes with the staff tools, which the page loads for staff, the only ones permitted acts on others. */
function renderPerson(p: Participant, s: RoomView, o: PeopleOptions) {
  return html`<div class="person" role="group" aria-label=${p.name}>
    <porch-participant
      data-peer=${p.id}
      .name=${p.name}
      ?muted=${p.standing.role !== 'listener' && p.muted}
      ?host-muted=${p.standing.hostMuted}
      ?speaking=${p.speaking}
      .stageRole=${p.standing.role}
      ?acting=${p.key !== null && p.key === s.overview.actingHost}
      .hand=${p.standing.hand}
      .reaction=${p.reaction}
      .connection=${p.security === 'ok' ? connectionLabel[p.connection] : securityLabel[p.security]}
      ?connection-ok=${p.security === 'ok' && p.connection !== 'reconnecting' && p.connection !== 'failed'}
    ></porch-participant>
    ${p.standing.permitted.length ? html`<porch-person-menu .person=${p}></porch-person-menu>` : nothing}
    ${p.safetyNumber ? renderVerify(p, verificationOf(p, s.verified), o) : nothing}
  </div>`;
}

function renderVerify(p: Participant, verification: Verification, o: PeopleOptions) {
  const label = { verified: 'Verified', changed: 'Not verified: key changed', unverified: 'Verify' }[verification];
  return html`<button class="verify ${verification}" aria-label="Verify ${p.name}${verification === 'unverified' ? '' : ` (${label})`}" @click=${() => o.verify(p)}>
    ${verification === 'verified' ? '✓ ' : ''}${label}
  </button>`;
}
