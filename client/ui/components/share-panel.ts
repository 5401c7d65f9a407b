import { LitElement, css, html, nothing, svg, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { theme } from '../theme.ts';

/** The QR encoder, fetched once a link is shown: nobody waits for it to join. */
type Encode = (typeof import('uqr'))['encode'];
let encoder: Promise<Encode> | null = null;
const loadEncoder = (): Promise<Encode> => (encoder ??= import('uqr').then((m) => m.encode));

/** The room link with a copy button and a QR code, for inviting people. */
@customElement('porch-share-panel')
export class SharePanel extends LitElement {
  @property() link = '';
  @state() private copied: 'idle' | 'copied' | 'failed' = 'idle';
  @state() private encode: Encode | null = null;

  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      .row {
        display: flex;
        gap: 0.5em;
        flex-wrap: wrap;
        align-items: center;
      }
      input {
        flex: 1 1 17.5em;
        min-width: 0;
        font-family: ui-monospace, monospace;
        font-size: 0.8em;
      }
      .qr {
        margin-top: 1.059em;
        display: flex;
        gap: 1.176em;
        align-items: center;
        color: var(--muted-ink);
        font-size: 0.85em;
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

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('link') && this.link && !this.encode) {
      loadEncoder().then(
        (encode) => (this.encode = encode),
        // Without the code the link still works; the next showing tries again.
        () => (encoder = null),
      );
    }
  }

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
      <div class="qr">
        ${this.encode ? qrCode(this.encode, this.link) : nothing}<span>Scan to join from a phone. Anyone with the link can listen and talk.</span>
      </div>
    `;
  }
}

function qrCode(encode: Encode, text: string) {
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
