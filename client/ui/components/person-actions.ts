import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from '../theme.ts';
import { roomAct } from './room-action.ts';
import type { PersonAction } from './person-rights.ts';

/**
 * Staff's actions on one person as a row of buttons, where there are only a couple (someone
 * waiting in the lobby: Admit, Remove); on a person in the room they sit in a menu (person-menu.ts).
 * person-rights.ts decides which and names them after the person.
 * @fires room-action - detail: the act chosen.
 */
@customElement('porch-person-actions')
export class PersonActions extends LitElement {
  @property({ attribute: false }) actions: readonly PersonAction[] = [];

  static override styles = [
    theme,
    css`
      :host {
        display: flex;
        flex-wrap: wrap;
        justify-content: center;
        gap: 0.3em;
      }
      button {
        min-height: 32px;
        padding: 0.256em 0.769em;
        font-size: 0.78em;
        white-space: nowrap;
      }
      button.danger {
        color: var(--bad);
      }
    `,
  ];

  override render() {
    return this.actions.map(
      (a) => html`<button class=${a.danger ? 'danger' : ''} @click=${() => this.dispatchEvent(roomAct(a.act))}>${a.label}</button>`,
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-person-actions': PersonActions;
  }
}
