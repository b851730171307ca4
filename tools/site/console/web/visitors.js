// Visitors: register, issue a pass (its QR on screen, printable), today's visitors and
// who is still inside. Shown once the site server has the visitors API.
import { html, useCtx } from './ui.js';

export function Visitors() {
  const { t } = useCtx();
  return html`<section id="visitors"><p class="meta">${t('vis.noApi')}</p></section>`;
}
