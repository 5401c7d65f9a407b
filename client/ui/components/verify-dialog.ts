import { LitElement, css, html, nothing } from 'lit';
import type { Verification } from '../../engine/verification.ts';
import { roomAction } from './room-action.ts';
import { customElement, property, query } from 'lit/decorators.js';
import { theme } from '../theme.ts';

/** Shows both safety numbers so two people can compare them over another channel. */
@customElement('porch-verify-dialog')
export class VerifyDialog extends LitElement {
  @property() ownNumber = '';
  @property() theirId = '';
  @property() theirName = '';
  @property() theirNumber = '';
  @property() verification: Verification = 'unverified';
  @query('dialog') private dialog!: HTMLDialogElement;

  static override styles = [
    theme,
    css`
      h2 {
        margin: 0 0 0.625em;
        font-size: 1.2em;
      }
      dl {
        display: grid;
        gap: 0.3em;
        margin: 1em 0;
      }
      dt {
        font-weight: 600;
        font-size: 0.9em;
        color: var(--muted-ink);
      }
      dd {
        margin: 0 0 0.48em;
        font-family: ui-monospace, monospace;
        font-size: 1.25em;
        letter-spacing: 0.05em;
      }
      p {
        color: var(--muted-ink);
        margin: 0;
      }
      .actions {
        margin-top: 1.25em;
        display: flex;
        gap: 0.5em;
        justify-content: flex-end;
        flex-wrap: wrap;
      }
      p.verified {
        margin-top: 1em;
        color: var(--ok);
      }
      p.changed {
        margin-top: 1em;
        color: var(--bad);
      }
    `,
  ];

  private renderVerification() {
    switch (this.verification) {
      case 'verified':
        return html`<p class="verified" role="status">You verified ${this.theirName} in this browser. It remembers them on every visit.</p>`;
      case 'changed':
        return html`<p class="changed" role="alert">
          You verified someone called ${this.theirName} before, with another safety number. This may be someone else using their name,
          or them on a new device. Compare the numbers again before you trust them.
        </p>`;
      default:
        return nothing;
    }
  }

  show(): void {
    this.dialog.showModal();
  }

  override render() {
    return html`<dialog aria-labelledby="verify-title">
      <h2 id="verify-title">Verify ${this.theirName}</h2>
      <p>Read these numbers to each other on a call or in person. If both of you see the same two numbers, nobody is in between.</p>
      <dl>
        <dt>Your safety number</dt>
        <dd data-testid="own-number">${this.ownNumber}</dd>
        <dt>${this.theirName}'s safety number</dt>
        <dd data-testid="their-number">${this.theirNumber}</dd>
      </dl>
      ${this.renderVerification()}
      <div class="actions">
        ${this.verification === 'verified'
          ? nothing
          : html`<button @click=${() => this.dispatchEvent(roomAction({ type: 'mark-verified', peerId: this.theirId }))}>They match: mark as verified</button>`}
        <button class="primary" @click=${() => this.dialog.close()}>Done</button>
      </div>
    </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-verify-dialog': VerifyDialog;
  }
}
