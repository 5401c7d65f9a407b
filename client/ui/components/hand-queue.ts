import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Participant } from '../../engine/room.ts';
import { theme } from '../theme.ts';
import { roomAct } from './room-action.ts';
import { ordinal } from './participant-tile.ts';

/**
 * For staff: listeners with raised hands, in the order they raised them, each with a way up.
 * @fires room-action - detail: an act inviting the person chosen.
 */
@customElement('porch-hand-queue')
export class HandQueue extends LitElement {
  /** Listeners with a raised hand, first raised first. */
  @property({ attribute: false }) people: readonly Participant[] = [];

  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      h2 {
        font-size: 1em;
        margin: 0 0 0.6em;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.4em;
      }
      li {
        display: flex;
        align-items: center;
        gap: 0.6em;
      }
      .place {
        color: var(--muted-ink);
        font-size: 0.85em;
        min-width: 3.765em;
      }
      .name {
        flex: 1;
        min-width: 0;
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      button {
        min-height: 36px;
        padding: 0.235em 0.941em;
        font-size: 0.85em;
      }
      .invited,
      .empty {
        color: var(--muted-ink);
        font-size: 0.85em;
      }
      .empty {
        margin: 0;
      }
    `,
  ];

  override render() {
    const people = this.people.filter((p) => p.key !== null && p.standing.hand !== null);
    return html`
      <h2>Raised hands${people.length ? ` · ${people.length}` : ''}</h2>
      ${people.length === 0
        ? html`<p class="empty">No hands raised.</p>`
        : html`<ol aria-label="Raised hands">
            ${people.map((p) => this.renderEntry(p))}
          </ol>`}
    `;
  }

  private renderEntry(p: Participant) {
    const key = p.key;
    const place = (p.standing.hand ?? 0) + 1;
    return html`<li>
      <span class="place"><span aria-hidden="true">✋ </span>${ordinal(place)}</span>
      <span class="name">${p.name}</span>
      ${p.standing.invited
        ? html`<span class="invited">Invited</span>`
        : key !== null && p.standing.permitted.includes('invite')
          ? html`<button aria-label="Invite ${p.name} to speak" @click=${() => this.dispatchEvent(roomAct({ type: 'invite', target: key }))}>
              Invite
            </button>`
          : nothing}
    </li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-hand-queue': HandQueue;
  }
}
