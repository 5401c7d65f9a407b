import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from '../theme.ts';
import { roomAct } from './room-action.ts';

/**
 * The invitation to speak, prominent until answered.
 * @fires room-action - detail: an act accepting or declining.
 */
@customElement('porch-invite-banner')
export class InviteBanner extends LitElement {
  /** No free seat on stage right now: accepting would be refused. */
  @property({ type: Boolean }) full = false;

  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      .banner {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.75em 1em;
        padding: 1em 1.1em;
        border-radius: var(--radius);
        background: color-mix(in srgb, var(--accent) 10%, var(--surface));
        border: 2px solid var(--accent);
      }
      .text {
        flex: 1 1 14em;
      }
      h2 {
        margin: 0;
        font-size: 1.1em;
      }
      p {
        margin: 0.222em 0 0;
        color: var(--muted-ink);
        font-size: 0.9em;
      }
      .buttons {
        display: flex;
        gap: 0.5em;
      }
    `,
  ];

  override render() {
    return html`<section class="banner" aria-labelledby="invite-title">
      <div class="text">
        <h2 id="invite-title">You're invited to speak</h2>
        <p>
          ${this.full
            ? 'The stage is full right now; you can accept once someone leaves it.'
            : 'Accept to go on stage with your microphone, so everyone here hears you.'}
        </p>
      </div>
      <div class="buttons">
        <button class="primary" ?disabled=${this.full} @click=${() => this.dispatchEvent(roomAct({ type: 'accept-invite' }))}>Accept</button>
        <button @click=${() => this.dispatchEvent(roomAct({ type: 'decline-invite' }))}>Decline</button>
      </div>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-invite-banner': InviteBanner;
  }
}
