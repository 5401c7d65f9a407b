import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Participant } from '../../engine/room.ts';
import { theme } from '../theme.ts';
import { actionsOn } from './person-rights.ts';
import './person-actions.ts';

/**
 * For staff: who waits in the lobby of a locked room, each in a group named after them with
 * Admit (and Remove).
 */
@customElement('porch-lobby-list')
export class LobbyList extends LitElement {
  /** People waiting, in the order they arrived. */
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
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.4em;
      }
      [role='group'] {
        display: flex;
        align-items: center;
        gap: 0.6em;
      }
      .name {
        flex: 1;
        min-width: 0;
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .empty {
        margin: 0;
        color: var(--muted-ink);
        font-size: 0.85em;
      }
    `,
  ];

  override render() {
    return html`
      <h2>Waiting in the lobby${this.people.length ? ` · ${this.people.length}` : ''}</h2>
      ${this.people.length === 0
        ? html`<p class="empty">Nobody is waiting. Newcomers wait here while the room is locked.</p>`
        : html`<ul aria-label="Waiting in the lobby">
            ${this.people.map(
              (p) => html`<li>
                <div role="group" aria-label=${p.name}>
                  <span class="name">${p.name}</span>
                  <porch-person-actions .actions=${actionsOn(p)}></porch-person-actions>
                </div>
              </li>`,
            )}
          </ul>`}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-lobby-list': LobbyList;
  }
}
