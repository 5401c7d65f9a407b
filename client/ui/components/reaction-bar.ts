import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { REACTIONS, type Reaction } from '../../../shared/peer-message.ts';
import { theme } from '../theme.ts';
import { roomAction } from './room-action.ts';

/**
 * The emoji a person can send to the room, shown briefly on their avatar.
 * @fires room-action - detail: a reaction with the emoji chosen.
 */
@customElement('porch-reaction-bar')
export class ReactionBar extends LitElement {
  @property({ type: Boolean }) disabled = false;

  static override styles = [
    theme,
    css`
      :host {
        display: flex;
        flex-wrap: wrap;
        gap: 0;
      }
      button {
        min-width: 38px;
        padding: 0.167em;
        font-size: 1.2em;
        line-height: 1;
        border-color: transparent;
        background: transparent;
      }
      button:hover:not(:disabled) {
        background: var(--bg);
      }
    `,
  ];

  override render() {
    return REACTIONS.map(
      (emoji) => html`<button aria-label="React ${emoji}" ?disabled=${this.disabled} @click=${() => this.send(emoji)}>${emoji}</button>`,
    );
  }

  private send(emoji: Reaction): void {
    this.dispatchEvent(roomAction({ type: 'react', emoji }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-reaction-bar': ReactionBar;
  }
}
