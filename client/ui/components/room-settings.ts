import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { MAX_DESCRIPTION_LENGTH, MAX_TITLE_LENGTH } from '../../../shared/room-acts.ts';
import type { ActRequest } from '../../engine/room-types.ts';
import type { RoomKind } from '../../../shared/room-state.ts';
import type { RoomOverview } from '../../engine/room-overview.ts';
import { theme } from '../theme.ts';
import { roomAct } from './room-action.ts';

const kinds: readonly { kind: RoomKind; name: string; hint: string }[] = [
  { kind: 'hangout', name: 'Hangout', hint: 'Anyone can take a free seat on stage' },
  { kind: 'stage', name: 'Stage', hint: 'Listeners raise a hand; staff bring them up' },
];

/**
 * Room-wide controls for staff: lock and unlock; for whoever may (the host alone) the room's type,
 * its title and description, and ending it (after asking).
 * @fires room-action - detail: the act to perform.
 */
@customElement('porch-room-settings')
export class RoomSettings extends LitElement {
  @property({ attribute: false }) stage!: RoomOverview;
  @property() roomTitle = '';
  /** What the host is typing; null while untouched, so the room's own values show. */
  @state() private draftTitle: string | null = null;
  @state() private draftDescription: string | null = null;
  @query('dialog') private confirmEnd!: HTMLDialogElement;

  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        gap: 1.25em;
      }
      h2 {
        font-size: 1em;
        margin: 0 0 0.6em;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5em;
        align-items: center;
      }
      .hint {
        margin: 0.471em 0 0;
        color: var(--muted-ink);
        font-size: 0.85em;
        font-weight: 400;
      }
      .moving {
        margin-top: 0.75em;
      }
      .hint.warn {
        color: var(--warn);
      }
      form {
        display: grid;
        gap: 0.75em;
      }
      textarea {
        resize: vertical;
        min-height: 4.5em;
      }
      form button {
        justify-self: start;
      }
      fieldset {
        border: 0;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.4em;
      }
      legend {
        padding: 0;
        margin-bottom: 0.6em;
        font-weight: 700;
      }
      .kind {
        display: flex;
        align-items: baseline;
        gap: 0.5em;
        font-weight: 600;
      }
      .kind input {
        min-height: 0;
        accent-color: var(--accent);
      }
      .kind .hint {
        margin: 0;
      }
      button.danger {
        color: var(--bad);
      }
      button.danger.primary {
        background: var(--bad);
        border-color: var(--bad);
        color: #fff;
      }
      dialog {
        max-width: min(26em, 90vw);
      }
      dialog h2 {
        font-size: 1.2em;
      }
      dialog p {
        color: var(--muted-ink);
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        justify-content: flex-end;
        gap: 0.5em;
        margin-top: 1.25em;
      }
    `,
  ];

  private act(act: ActRequest): void {
    this.dispatchEvent(roomAct(act));
  }

  override render() {
    const s = this.stage;
    return html`
      <section aria-labelledby="access-title">
        <h2 id="access-title">Who can come in</h2>
        <div class="row">
          ${s.locked
            ? html`<button @click=${() => this.act({ type: 'unlock' })}>Unlock room</button>`
            : html`<button @click=${() => this.act({ type: 'lock' })}>Lock room</button>`}
        </div>
        <p class="hint">
          ${s.locked ? 'Locked: newcomers wait in the lobby until you let them in.' : 'Open: anyone with the link comes straight in.'}
        </p>
        ${s.permitted.includes('new-link') ? this.renderNewLink(s) : nothing}
      </section>
      ${s.permitted.includes('set-kind') ? this.renderKind(s) : nothing}
      ${s.permitted.includes('set-info') ? this.renderDetails(s) : nothing} ${s.permitted.includes('end') ? this.renderEnd() : nothing}
    `;
  }

  private renderKind(s: RoomOverview) {
    return html`
      <fieldset>
        <legend>Room type</legend>
        ${kinds.map(
          ({ kind, name, hint }) => html`<label class="kind">
            <input
              type="radio"
              name="room-kind"
              aria-labelledby="kind-${kind}"
              aria-describedby="kind-${kind}-hint"
              .checked=${s.kind === kind}
              @change=${() => this.act({ type: 'set-kind', kind })}
            />
            <span id="kind-${kind}">${name}</span>
            <span class="hint" id="kind-${kind}-hint">${hint}</span>
          </label>`,
        )}
      </fieldset>
    `;
  }

  private renderDetails(s: RoomOverview) {
    const title = this.draftTitle ?? this.roomTitle;
    const description = this.draftDescription ?? s.description;
    const changed = title.trim() !== this.roomTitle || description.trim() !== s.description;
    return html`
      <form aria-labelledby="details-title" @submit=${this.saveDetails}>
        <h2 id="details-title">Room details</h2>
        <label>
          Title
          <input
            maxlength=${MAX_TITLE_LENGTH}
            .value=${title}
            @input=${(e: Event) => (this.draftTitle = (e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Description
          <textarea
            maxlength=${MAX_DESCRIPTION_LENGTH}
            .value=${description}
            @input=${(e: Event) => (this.draftDescription = (e.target as HTMLTextAreaElement).value)}
          ></textarea>
        </label>
        <button type="submit" ?disabled=${!changed}>Save</button>
      </form>
    `;
  }

  /** After a removal it is said outright: the removed can come back under a new identity while this link works. */
  private renderNewLink(s: RoomOverview) {
    return html`<div class="row moving"><button @click=${() => this.act({ type: 'new-link' })}>Move everyone to a new link</button></div>
      <p class="hint ${s.removed > 0 && !s.locked ? 'warn' : ''}">
        ${s.removed > 0 && !s.locked
          ? 'Someone removed can come back under a new identity while this link works. Lock the room, or move everyone here to a new link: the old one then leads to an empty room.'
          : 'Everyone here moves to a fresh link; the old one then leads to an empty room. Those removed or waiting in the lobby are not taken along.'}
      </p>`;
  }

  private renderEnd() {
    return html`<section aria-labelledby="end-section-title">
        <h2 id="end-section-title">Ending</h2>
        <button class="danger" @click=${() => this.confirmEnd.showModal()}>End room</button>
        <p class="hint">Closes the room for everyone in it.</p>
      </section>
      <dialog aria-labelledby="end-title">
      <h2 id="end-title">End this room?</h2>
      <p>Everyone here is disconnected and the room closes. This cannot be undone.</p>
      <div class="actions">
        <button autofocus @click=${() => this.confirmEnd.close()}>Cancel</button>
        <button
          class="danger primary"
          @click=${() => {
            this.confirmEnd.close();
            this.act({ type: 'end' });
          }}
        >
          End room for everyone
        </button>
      </div>
    </dialog>`;
  }

  private saveDetails(e: Event): void {
    e.preventDefault();
    const title = (this.draftTitle ?? this.roomTitle).trim();
    const description = (this.draftDescription ?? this.stage.description).trim();
    this.act({ type: 'set-info', title, description });
    this.draftTitle = null;
    this.draftDescription = null;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-room-settings': RoomSettings;
  }
}
