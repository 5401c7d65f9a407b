import { LitElement, css, html, svg } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { encode } from 'uqr';
import { theme } from '../theme.ts';

/** The room link with a copy button and a QR code, for inviting people. */
@customElement('porch-share-panel')
export class SharePanel extends LitElement {
  @property() link = '';
  @state() private copied: 'idle' | 'copied' | 'failed' = 'idle';

  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      .row {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        align-items: center;
      }
      input {
        flex: 1 1 14rem;
        min-width: 0;
        font-family: ui-monospace, monospace;
        font-size: 0.8rem;
      }
      .qr {
        margin-top: 0.9rem;
        display: flex;
        gap: 1rem;
        align-items: center;
        color: var(--muted-ink);
        font-size: 0.85rem;
      }
      svg {
        width: 112px;
        height: 112px;
        flex: none;
        background: #fff;
        border-radius: 8px;
      }
    `,
  ];

  private async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.link);
      this.copied = 'copied';
    } catch {
      // Clipboard access can be refused; selecting the text lets the person copy by hand.
      this.renderRoot.querySelector('input')?.select();
      this.copied = 'failed';
    }
  }

  override render() {
    return html`
      <div class="row">
        <input readonly .value=${this.link} aria-label="Room link" @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
        <button @click=${() => this.copy()}>${this.copied === 'copied' ? 'Copied' : 'Copy link'}</button>
      </div>
      ${this.copied === 'failed' ? html`<p role="status">Copy was blocked — the link is selected, press Ctrl+C.</p>` : ''}
      <div class="qr">${qrCode(this.link)}<span>Scan to join from a phone. Anyone with the link can listen and talk.</span></div>
    `;
  }
}

function qrCode(text: string) {
  const { data, size } = encode(text, { ecc: 'M', border: 2 });
  let path = '';
  data.forEach((row, y) => row.forEach((dark, x) => dark && (path += `M${x} ${y}h1v1h-1z`)));
  return svg`<svg viewBox="0 0 ${size} ${size}" role="img" aria-label="QR code of the room link" shape-rendering="crispEdges"><path d=${path} fill="#2a2420"/></svg>`;
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-share-panel': SharePanel;
  }
}
