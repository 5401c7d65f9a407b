import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from '../theme.ts';

/** One person in the room: avatar with a speaking ring, name, and how we are connected to them. */
@customElement('porch-participant')
export class ParticipantTile extends LitElement {
  @property() name = '';
  @property({ type: Boolean }) speaking = false;
  @property({ type: Boolean }) muted = false;
  @property({ type: Boolean }) self = false;
  /** How we are connected to them; ignored for ourselves. */
  @property() connection = '';
  @property({ attribute: 'connection-ok', type: Boolean }) connectionOk = true;

  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        justify-items: center;
        gap: 0.4rem;
        text-align: center;
        width: 7.5rem;
      }
      .avatar {
        width: 4.5rem;
        height: 4.5rem;
        border-radius: 50%;
        display: grid;
        place-items: center;
        font-size: 1.5rem;
        font-weight: 700;
        color: #fff;
        position: relative;
        transition: box-shadow 120ms ease-out;
      }
      .avatar.speaking {
        box-shadow: 0 0 0 3px var(--bg), 0 0 0 6px var(--ok);
      }
      .badge {
        position: absolute;
        right: -4px;
        bottom: -4px;
        background: var(--ink);
        color: #fff;
        border-radius: 999px;
        font-size: 0.7rem;
        padding: 0.15rem 0.4rem;
      }
      .name {
        font-weight: 600;
        max-width: 100%;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .conn {
        font-size: 0.75rem;
        color: var(--muted-ink);
      }
      .conn.bad {
        color: var(--bad);
      }
    `,
  ];

  override render() {
    const initials = this.name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => [...w][0]?.toUpperCase())
      .join('');
    const status = [this.speaking ? 'speaking' : '', this.muted ? 'muted' : ''].filter(Boolean).join(', ');
    return html`
      <div
        class="avatar ${this.speaking ? 'speaking' : ''}"
        style="background:${colorFor(this.name)}"
        role="img"
        aria-label="${this.name}${status ? ` (${status})` : ''}"
        data-speaking=${this.speaking}
      >
        ${initials || '?'} ${this.muted ? html`<span class="badge" aria-hidden="true">muted</span>` : ''}
      </div>
      <div class="name">${this.name}</div>
      <div class="conn ${this.connectionOk ? '' : 'bad'}">${this.self ? 'You' : this.connection}</div>
    `;
  }
}

function colorFor(name: string): string {
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.codePointAt(0)!) >>> 0;
  return `hsl(${hash % 360} 45% 42%)`;
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-participant': ParticipantTile;
  }
}
