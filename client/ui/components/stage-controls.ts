import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ActBody } from '../../../shared/room-acts.ts';
import type { RoomView } from '../../engine/room.ts';
import { theme } from '../theme.ts';
import { roomAct, roomAction, type RoomAction } from './room-action.ts';
import { ordinal } from './participant-tile.ts';
import './reaction-bar.ts';

/**
 * The person's own controls, in the bar along the bottom: on stage, Mute and the microphone;
 * in the audience, a hand to raise (or a free seat to take in a hangout); reactions; Leave.
 * @fires room-action - detail: muting, choosing the microphone, leaving, or an act (hands, seats, leaving the stage);
 * reactions come from the reaction bar inside.
 */
@customElement('porch-stage-controls')
export class StageControls extends LitElement {
  @property({ attribute: false }) state!: RoomView;

  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        gap: 0.5em;
        padding: 0.7em 0.8em;
        background: var(--surface);
        border: 1px solid var(--line);
        border-radius: var(--radius);
        box-shadow: 0 -4px 16px rgb(42 36 32 / 0.06);
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5em;
        align-items: center;
      }
      label {
        display: flex;
        align-items: center;
        gap: 0.5em;
        flex: 1 1 9em;
        max-width: 22em;
        min-width: 0;
      }
      select {
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
        margin-left: auto;
      }
      @container (max-width: 30em) {
        button.leave {
          padding-inline: 0.9em;
        }
        .mic-label {
          position: absolute;
          width: 1px;
          height: 1px;
          overflow: hidden;
          clip-path: inset(50%);
          white-space: nowrap;
        }
      }
      .note {
        margin: 0;
        color: var(--muted-ink);
        font-size: 0.85em;
      }
      .note.warn {
        color: var(--warn);
      }
    `,
  ];

  private ask(action: RoomAction): void {
    this.dispatchEvent(roomAction(action));
  }

  private act(act: ActBody): void {
    this.dispatchEvent(roomAct(act));
  }

  override render() {
    const s = this.state;
    const stage = s.overview;
    const joined = s.phase === 'joined';
    return html`
      ${stage.waiting ? nothing : stage.role === 'listener' ? this.renderAudience(s) : this.renderStage(s)}
      <div class="row">
        ${stage.waiting || !joined
          ? nothing
          : html`<porch-reaction-bar></porch-reaction-bar>`}
        <button class="leave" @click=${() => this.ask({ type: 'leave' })}>Leave</button>
      </div>
    `;
  }

  private renderStage(s: RoomView) {
    const stage = s.overview;
    const micLive = s.microphone === 'live';
    return html`
      <div class="row">
        <button
          class=${s.muted ? 'muted' : ''}
          aria-pressed=${s.muted}
          aria-describedby=${stage.hostMuted ? 'host-muted-note' : nothing}
          ?disabled=${!micLive || stage.hostMuted}
          title="Toggle with the M key"
          @click=${() => this.ask({ type: 'set-muted', muted: !s.muted })}
        >
          ${s.muted ? 'Unmute' : 'Mute'}
        </button>
        ${s.inputs.length > 0
          ? html`<label
              ><span class="mic-label">Microphone</span>
              <select @change=${(e: Event) => this.ask({ type: 'select-input', deviceId: (e.target as HTMLSelectElement).value })}>
                ${s.inputs.map((i) => html`<option value=${i.id} ?selected=${i.id === s.inputId}>${i.label}</option>`)}
              </select></label
            >`
          : nothing}
        ${stage.permitted.includes('leave-stage') ? html`<button @click=${() => this.act({ type: 'leave-stage' })}>Leave stage</button>` : nothing}
      </div>
      ${stage.hostMuted ? html`<p class="note warn" id="host-muted-note">A host muted you; you can unmute once they allow it.</p>` : nothing}
    `;
  }

  private renderAudience(s: RoomView) {
    const stage = s.overview;
    const joined = s.phase === 'joined';
    return html`
      <div class="row">
        ${stage.permitted.includes('take-seat')
          ? html`<button class="primary" ?disabled=${!joined} @click=${() => this.act({ type: 'take-seat' })}>Take a seat</button>`
          : nothing}
        ${stage.hand === null
          ? html`<button ?disabled=${!joined} @click=${() => this.act({ type: 'raise-hand' })}><span aria-hidden="true">✋ </span>Raise hand</button>`
          : html`<button @click=${() => this.act({ type: 'lower-hand' })}>Lower hand</button>`}
      </div>
      <p class="note">
        ${stage.hand === null
          ? "You're listening. Your microphone stays off until you go on stage."
          : `Your hand is raised — ${ordinal(stage.hand + 1)} in line. A host or moderator can invite you up.`}
      </p>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-stage-controls': StageControls;
  }
}
