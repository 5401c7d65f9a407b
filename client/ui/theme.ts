import { css } from 'lit';

/**
 * Shared look: warm, calm, readable at a glance. A page embedding the widget themes it through
 * the `--porch-*` properties, which inherit into every component's shadow root.
 * The default colours keep text at WCAG AA contrast (4.5:1) wherever they are used as text or
 * under it: the accent on white, the surface and the page background; ok and warn on their pills.
 */
export const theme = css`
  :host {
    --bg: var(--porch-bg, #f7f3ec);
    --surface: var(--porch-surface, #fffdf9);
    --ink: var(--porch-ink, #2a2420);
    --muted-ink: var(--porch-muted-ink, #6f645b);
    --line: var(--porch-line, #e6ddd1);
    --accent: var(--porch-accent, #b34a1f);
    --accent-ink: var(--porch-accent-ink, #ffffff);
    --ok: #2a7347;
    --warn: #965808;
    --bad: #b3261e;
    --radius: var(--porch-radius, 14px);
    font-family: var(--porch-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    color: var(--ink);
  }
  button {
    font: inherit;
    font-weight: 600;
    border-radius: 999px;
    border: 1px solid var(--line);
    background: var(--surface);
    color: var(--ink);
    padding: 0.6em 1.2em;
    cursor: pointer;
    min-height: 44px;
  }
  button.primary {
    background: var(--accent);
    border-color: var(--accent);
    color: var(--accent-ink);
  }
  button:focus-visible,
  input:focus-visible,
  select:focus-visible,
  textarea:focus-visible {
    outline: 3px solid color-mix(in srgb, var(--accent) 45%, transparent);
    outline-offset: 2px;
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  input,
  select,
  textarea {
    font: inherit;
    font-weight: 400;
    padding: 0.6em 0.8em;
    border-radius: 10px;
    border: 1px solid var(--line);
    background: var(--surface);
    color: var(--ink);
    min-height: 44px;
    box-sizing: border-box;
  }
  label {
    display: grid;
    gap: 0.389em;
    font-weight: 600;
    font-size: 0.9em;
  }
  .card {
    background: var(--surface);
    border: 1px solid var(--line);
    border-radius: var(--radius);
    padding: 1.25em;
  }
  dialog {
    border: 1px solid var(--line);
    border-radius: var(--radius);
    padding: 1.5em;
    max-width: min(28em, 90vw);
    box-sizing: border-box;
    background: var(--surface);
    color: var(--ink);
  }
  dialog::backdrop {
    background: rgb(42 36 32 / 0.4);
  }
  .notice {
    border-radius: 10px;
    padding: 0.7em 0.9em;
    background: #fdf0e1;
    color: #5a3a08;
    border: 1px solid #f0d5ad;
  }
  .notice.bad {
    background: #fbe9e7;
    color: #6b1510;
    border-color: #f1c1bb;
  }
`;
