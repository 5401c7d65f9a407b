import { css } from 'lit';

/**
 * The widget lives on pages we do not control. Their rules match the element itself (never
 * what is inside its shadow root), and an `!important` declared here wins over theirs, so the
 * few properties that could hide or shrink it are held. Where it sits and how wide it is stay
 * the page's to choose (down to 280 px); colours and fonts come through `--porch-*` and ::part().
 */
export const widgetStyles = css`
  :host {
    display: block !important;
    visibility: visible !important;
    opacity: 1 !important;
    content-visibility: visible !important;
    min-width: 280px !important;
    height: auto !important;
    max-height: none !important;
    overflow: visible !important;
    clip-path: none !important;
    mask: none !important;
    filter: none !important;
    transform: none !important;
    zoom: 1 !important;
    pointer-events: auto !important;
    box-sizing: border-box;
  }
  /* The page may still hide it on purpose (tabs, collapsed panels) with the hidden attribute. */
  :host([hidden]) {
    display: none !important;
  }
  /* Nothing the page's text styles set reaches in: sizes start from the browser's default. */
  .frame {
    all: initial;
    display: block;
    font-size: medium;
    background: var(--bg);
    color: var(--ink);
    border: 1px solid var(--line);
    border-radius: var(--radius);
    padding: 1em;
  }
  .status {
    margin: 0;
    font-family: var(--porch-font, system-ui, sans-serif);
  }
`;
