import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { embedSnippets } from '../embed-snippets.ts';
import { theme } from '../theme.ts';

type Form = 'element' | 'iframe';

/** "Embed on a website": both snippets for the current room, each with a copy button. */
@customElement('porch-embed-dialog')
export class EmbedDialog extends LitElement {
  @property() link = '';
  @state() private copied: Form | null = null;
  @query('dialog') private dialog!: HTMLDialogElement;

  static override styles = [
    theme,
    css`
      :host {
        display: block;
        margin-top: 0.9em;
      }
      dialog {
        width: min(36em, 90vw);
        max-width: none;
      }
      h2 {
        margin: 0 0 0.5em;
        font-size: 1.2em;
      }
      h3 {
        margin: 1.1em 0 0.4em;
        font-size: 1em;
      }
      p {
        color: var(--muted-ink);
        margin: 0 0 0.5em;
      }
      textarea {
        width: 100%;
        font-family: ui-monospace, monospace;
        font-size: 0.8em;
        resize: vertical;
      }
      .actions {
        margin-top: 1.25em;
        text-align: right;
      }
    `,
  ];

  private async copy(form: Form, text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      this.copied = form;
    } catch {
      // Clipboard access can be refused; the text is selected for copying by hand.
      this.renderRoot.querySelector<HTMLTextAreaElement>(`textarea[name=${form}]`)?.select();
    }
  }

  override render() {
    const snippets = embedSnippets(this.link);
    if (!snippets) return nothing;
    const block = (form: Form, title: string, why: string, text: string) => html`
      <h3>${title}</h3>
      <p>${why}</p>
      <textarea name=${form} readonly rows="3" aria-label="${title} snippet" .value=${text} @focus=${(e: Event) => (e.target as HTMLTextAreaElement).select()}></textarea>
      <button @click=${() => this.copy(form, text)}>${this.copied === form ? 'Copied' : `Copy ${form === 'element' ? 'element' : 'iframe'} snippet`}</button>
    `;
    return html`
      <button @click=${() => this.dialog.showModal()}>Embed on a website</button>
      <dialog aria-labelledby="embed-title" @close=${() => (this.copied = null)}>
        <h2 id="embed-title">Embed this room on a website</h2>
        <p>Visitors of that page can join the room from it. The site must be listed in this server's PORCH_ALLOWED_ORIGINS.</p>
        ${block('element', 'Custom element', 'For pages that can load a script. Themable, with events and methods.', snippets.element)}
        ${block('iframe', 'Iframe', 'For pages that cannot run scripts. The room keeps its keys away from the page.', snippets.iframe)}
        <div class="actions"><button class="primary" @click=${() => this.dialog.close()}>Done</button></div>
      </dialog>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-embed-dialog': EmbedDialog;
  }
}
