import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { theme } from '../theme.ts';

/** Shows both safety numbers so two people can compare them over another channel. */
@customElement('porch-verify-dialog')
export class VerifyDialog extends LitElement {
  @property() ownNumber = '';
  @property() theirName = '';
  @property() theirNumber = '';
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
        text-align: right;
      }
    `,
  ];

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
      <div class="actions"><button class="primary" @click=${() => this.dialog.close()}>Done</button></div>
    </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-verify-dialog': VerifyDialog;
  }
}
