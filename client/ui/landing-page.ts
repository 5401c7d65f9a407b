import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { MAX_TITLE_LENGTH } from '../../shared/peer-message.ts';
import type { RoomKind } from '../../shared/room-state.ts';
import type { RoomDraft } from '../engine/room-drafts.ts';
import { theme } from './theme.ts';

const roomKinds: readonly { kind: RoomKind; name: string; hint: string }[] = [
  { kind: 'hangout', name: 'Hangout', hint: 'Everyone who joins can talk, until the stage is full' },
  { kind: 'stage', name: 'Stage', hint: 'People join as listeners; you bring them up to speak' },
];

/**
 * The front door: name a room (optionally), choose its type and create it.
 * @fires create-room - detail: a RoomDraft, the title trimmed and possibly empty.
 */
@customElement('porch-landing')
export class LandingPage extends LitElement {
  @state() private roomTitle = '';
  @state() private roomKind: RoomKind = 'hangout';

  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      .hero {
        margin: 2em 0 1.5em;
      }
      h1 {
        font-size: clamp(2em, 6vw, 3em);
        line-height: 1.1;
        margin: 0 0 0.75em;
      }
      .lede {
        font-size: 1.1em;
        color: var(--muted-ink);
        max-width: 30.909em;
        margin: 0;
      }
      form {
        display: grid;
        gap: 1em;
        max-width: 30em;
      }
      fieldset {
        border: 0;
        margin: 0;
        padding: 0;
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(12em, 1fr));
        gap: 0.5em;
      }
      legend {
        padding: 0;
        margin-bottom: 0.389em;
        font-weight: 600;
        font-size: 0.9em;
      }
      .kind {
        grid-template-columns: auto 1fr;
        align-items: start;
        column-gap: 0.6em;
        row-gap: 0.2em;
        padding: 0.7em 0.8em;
        border: 1px solid var(--line);
        border-radius: 10px;
        cursor: pointer;
      }
      .kind:has(input:checked) {
        border-color: var(--accent);
        background: color-mix(in srgb, var(--accent) 6%, var(--surface));
      }
      .kind input {
        grid-row: span 2;
        width: 1.1em;
        height: 1.1em;
        min-height: 0;
        margin: 0.1em 0 0;
        padding: 0;
        accent-color: var(--accent);
      }
      .hint {
        font-weight: 400;
        color: var(--muted-ink);
      }
      ul {
        margin: 2em 0 0;
        padding: 0;
        list-style: none;
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(13em, 1fr));
        gap: 1em;
      }
      li strong {
        display: block;
        margin-bottom: 0.2em;
      }
      li {
        color: var(--muted-ink);
        font-size: 0.95em;
      }
    `,
  ];

  private create(e: Event): void {
    e.preventDefault();
    const detail: RoomDraft = { title: this.roomTitle.trim(), kind: this.roomKind };
    this.dispatchEvent(new CustomEvent('create-room', { detail }));
  }

  override render() {
    return html`
      <section class="hero">
        <h1>Pull up a chair.</h1>
        <p class="lede">Open a room, share the link, and talk with whoever shows up. Voices travel straight between browsers — no media server, no account.</p>
      </section>
      <form class="card" @submit=${this.create}>
        <label>
          Room title (optional)
          <input
            name="title"
            maxlength=${MAX_TITLE_LENGTH}
            placeholder="Friday night porch"
            .value=${this.roomTitle}
            @input=${(e: Event) => (this.roomTitle = (e.target as HTMLInputElement).value)}
          />
        </label>
        <fieldset>
          <legend>Room type</legend>
          ${roomKinds.map(
            ({ kind, name, hint }) => html`
              <label class="kind">
                <input
                  type="radio"
                  name="kind"
                  value=${kind}
                  aria-labelledby="kind-${kind}"
                  aria-describedby="kind-${kind}-hint"
                  .checked=${this.roomKind === kind}
                  @change=${() => (this.roomKind = kind)}
                />
                <span id="kind-${kind}">${name}</span>
                <span class="hint" id="kind-${kind}-hint">${hint}</span>
              </label>
            `,
          )}
        </fieldset>
        <button class="primary" type="submit">Create room</button>
      </form>
      <ul>
        <li><strong>Peer to peer</strong>Audio flows directly between the people in the room.</li>
        <li><strong>Just a link</strong>The room's key lives in the link and never reaches the server.</li>
        <li><strong>Self-hostable</strong>One small Node service introduces people; run your own.</li>
      </ul>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-landing': LandingPage;
  }
}
