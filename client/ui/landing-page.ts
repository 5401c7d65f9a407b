import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { MAX_TITLE_LENGTH } from '../../shared/peer-message.ts';
import { theme } from './theme.ts';

/**
 * The front door: name a room (optionally) and create it.
 * @fires create-room - detail: the title typed, possibly empty.
 */
@customElement('porch-landing')
export class LandingPage extends LitElement {
  @state() private roomTitle = '';

  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      .hero {
        margin: 2rem 0 1.5rem;
      }
      h1 {
        font-size: clamp(2rem, 6vw, 3rem);
        line-height: 1.1;
        margin: 0 0 0.75rem;
      }
      .lede {
        font-size: 1.1rem;
        color: var(--muted-ink);
        max-width: 34rem;
        margin: 0;
      }
      form {
        display: grid;
        gap: 1rem;
        max-width: 30rem;
      }
      ul {
        margin: 2rem 0 0;
        padding: 0;
        list-style: none;
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr));
        gap: 1rem;
      }
      li strong {
        display: block;
        margin-bottom: 0.2rem;
      }
      li {
        color: var(--muted-ink);
        font-size: 0.95rem;
      }
    `,
  ];

  private create(e: Event): void {
    e.preventDefault();
    this.dispatchEvent(new CustomEvent('create-room', { detail: this.roomTitle.trim() }));
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
