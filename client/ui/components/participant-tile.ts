import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Role } from '../../../shared/room-state.ts';
import { theme } from '../theme.ts';

const roleLabel: Record<Role, string> = { host: 'Host', moderator: 'Moderator', speaker: '', listener: '' };

/** 1 → "1st", 2 → "2nd", 11 → "11th": a place in the raised-hand line. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/**
 * One person in the room: avatar with a speaking ring, a raised hand and its place, a reaction
 * for a moment, name, role, and how we are connected to them.
 */
@customElement('porch-participant')
export class ParticipantTile extends LitElement {
  @property() name = '';
  @property({ type: Boolean }) speaking = false;
  @property({ type: Boolean }) muted = false;
  @property({ type: Boolean }) self = false;
  /** How we are connected to them; ignored for ourselves. */
  @property() connection = '';
  @property({ attribute: 'connection-ok', type: Boolean }) connectionOk = true;
  @property({ attribute: false }) stageRole: Role = 'speaker';
  /** Keeping order while the host is away. */
  @property({ type: Boolean }) acting = false;
  /** Muted by the host or a moderator (shown instead of a plain mute). */
  @property({ attribute: 'host-muted', type: Boolean }) hostMuted = false;
  /** Place in the raised-hand line, 0 first; null when the hand is down. */
  @property({ attribute: false }) hand: number | null = null;
  @property({ attribute: false }) reaction: string | null = null;

  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        justify-items: center;
        gap: 0.4em;
        text-align: center;
        width: 7.5em;
      }
      .avatar {
        width: 3em;
        height: 3em;
        border-radius: 50%;
        display: grid;
        place-items: center;
        font-size: 1.5em;
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
        font-size: 0.467em;
        padding: 0.214em 0.571em;
      }
      .badge.host-muted {
        background: var(--bad);
      }
      .hand {
        position: absolute;
        left: -6px;
        top: -6px;
        background: var(--surface);
        color: var(--ink);
        border: 1px solid var(--line);
        border-radius: 999px;
        font-size: 0.5em;
        padding: 0.133em 0.467em;
      }
      .reaction {
        position: absolute;
        right: -10px;
        top: -12px;
        font-size: 1.067em;
        line-height: 1;
        filter: drop-shadow(0 1px 2px rgb(0 0 0 / 0.25));
        animation: pop 240ms ease-out;
      }
      @keyframes pop {
        from {
          transform: scale(0.3) translateY(8px);
          opacity: 0;
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .reaction {
          animation: none;
        }
      }
      .role {
        font-size: 0.75em;
        font-weight: 700;
        color: var(--accent);
        text-transform: uppercase;
        letter-spacing: 0.04em;
      }
      .name {
        font-weight: 600;
        max-width: 100%;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .conn {
        font-size: 0.75em;
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
    const role = this.acting ? 'Acting host' : roleLabel[this.stageRole];
    const status = [
      role.toLowerCase(),
      this.speaking ? 'speaking' : '',
      this.hostMuted ? 'muted by host' : this.muted ? 'muted' : '',
      this.hand === null ? '' : `hand raised, ${ordinal(this.hand + 1)} in line`,
      this.reaction ? `reacted ${this.reaction}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return html`
      <div
        class="avatar ${this.speaking ? 'speaking' : ''}"
        style="background:${colorFor(this.name)}"
        role="img"
        aria-label="${this.name}${status ? ` (${status})` : ''}"
        data-speaking=${this.speaking}
      >
        ${initials || '?'}
        ${this.hostMuted || this.muted ? html`<span class="badge ${this.hostMuted ? 'host-muted' : ''}" aria-hidden="true">muted</span>` : nothing}
        ${this.hand === null ? nothing : html`<span class="hand" aria-hidden="true">✋ ${this.hand + 1}</span>`}
        ${this.reaction ? html`<span class="reaction" aria-hidden="true">${this.reaction}</span>` : nothing}
      </div>
      <div class="name">${this.name}</div>
      ${role ? html`<div class="role" aria-hidden="true">${role}</div>` : nothing}
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
