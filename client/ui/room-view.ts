import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { MAX_NAME_LENGTH } from '../../shared/peer-message.ts';
import type { RoomSession, RoomState } from '../engine/room-session.ts';
import { StoreController } from './controllers/store-controller.ts';
import { connectionLabel, securityLabel, statusLines } from './status-text.ts';
import { theme } from './theme.ts';
import './components/participant-tile.ts';
import './components/share-panel.ts';
import './components/verify-dialog.ts';
import type { VerifyDialog } from './components/verify-dialog.ts';
import type { Participant } from '../engine/room-session.ts';

/**
 * A room: the join form before joining, then everyone in it with the person's own controls.
 * @fires name-change - detail: the name typed, so the shell can remember it.
 */
@customElement('porch-room')
export class RoomView extends LitElement {
  @property({ attribute: false }) session!: RoomSession;
  @property() link = '';
  @property() initialName = '';
  @state() private name = '';
  @state() private verifying: Participant | null = null;
  private room!: StoreController<RoomState>;

  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      header {
        display: flex;
        justify-content: space-between;
        align-items: baseline;
        gap: 1rem;
        flex-wrap: wrap;
        margin-bottom: 1rem;
      }
      h1 {
        font-size: 1.6rem;
        margin: 0;
      }
      .count {
        color: var(--muted-ink);
        display: flex;
        align-items: center;
        gap: 0.6rem;
      }
      .pill {
        font-size: 0.8rem;
        font-weight: 700;
        padding: 0.2rem 0.6rem;
        border-radius: 999px;
        background: #e3f1e8;
        color: var(--ok);
      }
      .pill.warn {
        background: #fdf0e1;
        color: var(--warn);
      }
      .notices {
        display: grid;
        gap: 0.5rem;
        margin-bottom: 1rem;
      }
      form {
        display: grid;
        gap: 1rem;
      }
      .people {
        display: flex;
        flex-wrap: wrap;
        gap: 1.25rem 0.5rem;
        justify-content: flex-start;
        min-height: 8rem;
      }
      .person {
        display: grid;
        justify-items: center;
        gap: 0.2rem;
      }
      button.verify {
        min-height: 32px;
        padding: 0.15rem 0.7rem;
        font-size: 0.8rem;
        font-weight: 600;
        color: var(--muted-ink);
      }
      .controls {
        position: sticky;
        bottom: 0;
        margin-top: 1.25rem;
        display: flex;
        flex-wrap: wrap;
        gap: 0.6rem;
        align-items: center;
        padding: 0.8rem;
        background: var(--surface);
        border: 1px solid var(--line);
        border-radius: var(--radius);
      }
      .controls label {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        flex: 1 1 12rem;
      }
      .controls select {
        flex: 1;
        min-width: 0;
      }
      button.muted {
        background: var(--ink);
        color: #fff;
        border-color: var(--ink);
      }
      button.leave {
        color: var(--bad);
      }
      details {
        margin-top: 1.25rem;
      }
      summary {
        cursor: pointer;
        font-weight: 600;
        margin-bottom: 0.75rem;
      }
      .hint {
        color: var(--muted-ink);
        font-size: 0.85rem;
        margin: 0;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.room ??= new StoreController(this, this.session.state);
    this.name ||= this.initialName;
    window.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
  }

  private readonly onKey = (e: KeyboardEvent): void => {
    const typing = e.composedPath().some((t) => t instanceof HTMLInputElement || t instanceof HTMLSelectElement);
    if (typing || e.ctrlKey || e.metaKey || e.altKey || e.key.toLowerCase() !== 'm') return;
    if (this.room.value.phase !== 'joined') return;
    this.session.setMuted(!this.room.value.muted);
  };

  private join(e: Event): void {
    e.preventDefault();
    const name = this.name.trim();
    if (!name) return;
    this.dispatchEvent(new CustomEvent('name-change', { detail: name }));
    void this.session.join(name);
  }

  override render() {
    const s = this.room.value;
    const count = s.participants.length + (s.phase === 'joined' ? 1 : 0);
    return html`
      <header>
        <h1>${s.title || 'Porch room'}</h1>
        ${s.phase === 'joined'
          ? html`<span class="count"
              ><span class="pill ${liveness(s).tone}">${liveness(s).text}</span> ${count} ${count === 1 ? 'person' : 'people'} here</span
            >`
          : nothing}
      </header>
      <div class="notices" role="status" aria-live="polite">
        ${statusLines(s).map((l) => html`<div class="notice ${l.tone === 'bad' ? 'bad' : ''}">${l.text}</div>`)}
      </div>
      ${s.phase === 'ready' ? this.renderJoin() : nothing}
      ${s.phase === 'joining' || s.phase === 'joined' ? this.renderRoom(s) : nothing}
      ${s.phase === 'left' || s.phase === 'room-full' || s.phase === 'replaced' ? this.renderEnded() : nothing}
    `;
  }

  private renderJoin() {
    return html`
      <form class="card" @submit=${this.join}>
        <label>
          Your name
          <input
            name="name"
            autocomplete="nickname"
            maxlength=${MAX_NAME_LENGTH}
            required
            .value=${this.name}
            @input=${(e: Event) => (this.name = (e.target as HTMLInputElement).value)}
          />
        </label>
        <button class="primary" type="submit" ?disabled=${!this.name.trim()}>Join</button>
        <p class="hint">Your browser will ask for the microphone. Audio goes straight to the people in the room.</p>
      </form>
      <details open>
        <summary>Invite people</summary>
        <porch-share-panel .link=${this.link}></porch-share-panel>
      </details>
    `;
  }

  private renderRoom(s: RoomState) {
    const listenOnly = s.microphone !== 'live';
    return html`
      <section class="people" aria-label="People in the room">
        <porch-participant .name=${s.name} ?self=${true} ?muted=${s.muted || listenOnly} ?speaking=${s.selfSpeaking}></porch-participant>
        ${s.participants.map(
          (p) => html`<div class="person">
            <porch-participant
              data-peer=${p.id}
              .name=${p.name}
              ?muted=${p.muted}
              ?speaking=${p.speaking}
              .connection=${p.security === 'ok' ? connectionLabel[p.connection] : securityLabel[p.security]}
              ?connection-ok=${p.security === 'ok' && (p.connection === 'connected' || p.connection === 'connecting')}
            ></porch-participant>
            ${p.safetyNumber
              ? html`<button class="verify" aria-label="Verify ${p.name}" @click=${() => this.verify(p)}>Verify</button>`
              : nothing}
          </div>`,
        )}
      </section>
      <porch-verify-dialog
        .ownNumber=${s.safetyNumber}
        .theirName=${this.verifying?.name ?? ''}
        .theirNumber=${this.verifying?.safetyNumber ?? ''}
      ></porch-verify-dialog>
      <div class="controls">
        <button
          class=${s.muted ? 'muted' : ''}
          aria-pressed=${s.muted}
          ?disabled=${listenOnly}
          title="Toggle with the M key"
          @click=${() => this.session.setMuted(!s.muted)}
        >
          ${s.muted ? 'Unmute' : 'Mute'}
        </button>
        ${s.inputs.length > 0
          ? html`<label
              >Microphone
              <select @change=${(e: Event) => void this.session.selectInput((e.target as HTMLSelectElement).value)}>
                ${s.inputs.map((i) => html`<option value=${i.id} ?selected=${i.id === s.inputId}>${i.label}</option>`)}
              </select></label
            >`
          : nothing}
        <button class="leave" @click=${() => this.session.leave()}>Leave</button>
      </div>
      <details>
        <summary>Invite people</summary>
        <porch-share-panel .link=${this.link}></porch-share-panel>
      </details>
    `;
  }

  private async verify(p: Participant): Promise<void> {
    this.verifying = p;
    await this.updateComplete;
    this.renderRoot.querySelector<VerifyDialog>('porch-verify-dialog')?.show();
  }

  private renderEnded() {
    return html`<div class="card">
      <p>${this.room.value.phase === 'left' ? 'Thanks for stopping by.' : ''}</p>
      <button class="primary" @click=${() => location.reload()}>Rejoin</button>
      <a href="/">Start a new room</a>
    </div>`;
  }
}

/** The one-word answer to "am I on air?", always visible while in the room. */
function liveness(s: RoomState): { text: string; tone: 'ok' | 'warn' } {
  if (s.signaling.kind !== 'connected') return { text: 'Reconnecting', tone: 'warn' };
  if (s.microphone !== 'live') return { text: 'Listening only', tone: 'warn' };
  if (s.muted) return { text: 'Muted', tone: 'warn' };
  return { text: 'Live', tone: 'ok' };
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-room': RoomView;
  }
}
