// Records search (paged, CSV export) and a person's trajectory over a day.
import { useState } from 'preact/hooks';
import { api, isoOf, query } from './api.js';
import { dateTime, dayOf, ErrorLine, eventWords, html, time, useCtx, useLoad, zonePath, zoneTree } from './ui.js';

const EXPORTERS = ['admin', 'inspector'];
const EMPTY = { personId: '', card: '', terminalId: '', zoneId: '', direction: '', result: '', from: '', to: '' };

function recordQuery(f) {
  return { ...f, from: isoOf(f.from), to: isoOf(f.to) };
}

export function Records({ initial }) {
  const { t, lang, me } = useCtx();
  const zones = useLoad(() => api('GET', '/api/zones'), []);
  const [form, setForm] = useState({ ...EMPTY, ...initial });
  const [result, setResult] = useState(null); // { records, next, query }
  const [error, setError] = useState(null);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const run = async (q, cursor) => {
    try {
      const page = await api('GET', `/api/records${query({ ...q, limit: 50, cursor })}`);
      setResult((prev) => ({ records: cursor && prev ? [...prev.records, ...page.records] : page.records, next: page.next, query: q }));
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  const submit = (e) => {
    e.preventDefault();
    void run(recordQuery(form));
  };
  const zs = zones.data?.zones ?? [];
  return html`<section id="records"><form id="record-search" class="filters" onSubmit=${submit}>
      <label>${t('rec.person')}<input type="text" name="personId" value=${form.personId} onInput=${set('personId')} /></label>
      <label>${t('rec.card')}<input type="text" name="card" value=${form.card} onInput=${set('card')} /></label>
      <label>${t('rec.terminal')}<input type="text" name="terminalId" value=${form.terminalId} onInput=${set('terminalId')} /></label>
      <label>${t('rec.zone')}<select name="zoneId" value=${form.zoneId} onChange=${set('zoneId')}><option value="">${t('rec.anyZone')}</option>
        ${zs.map((z) => html`<option value=${z.id}>${zonePath(zs, z.id)}</option>`)}</select></label>
      <label>${t('rec.direction')}<select name="direction" value=${form.direction} onChange=${set('direction')}><option value="">${t('rec.any')}</option><option value="in">${t('dir.in')}</option><option value="out">${t('dir.out')}</option></select></label>
      <label>${t('rec.result')}<select name="result" value=${form.result} onChange=${set('result')}><option value="">${t('rec.any')}</option><option value="granted">${t('rec.granted')}</option><option value="denied">${t('rec.denied')}</option></select></label>
      <label>${t('rec.from')}<input type="datetime-local" name="from" value=${form.from} onInput=${set('from')} /></label>
      <label>${t('rec.to')}<input type="datetime-local" name="to" value=${form.to} onInput=${set('to')} /></label>
      <div class="row"><button class="primary" type="submit">${t('common.search')}</button>
        ${EXPORTERS.includes(me.role) ? html`<a class="button" id="export-csv" href=${`/api/records.csv${query(recordQuery(form))}`} download="records.csv">${t('rec.export')}</a>` : null}</div>
    </form>
    <${ErrorLine} error=${error} />
    ${result ? html`<table id="record-table"><thead><tr><th>${t('rec.time')}</th><th>${t('rec.terminal')}</th><th>${t('rec.zone')}</th><th>${t('rec.event')}</th><th>${t('rec.who')}</th><th>${t('rec.card')}</th></tr></thead><tbody>
        ${result.records.map((r) => html`<tr data-record=${r.id} data-type=${r.type}><td>${dateTime(r.ts, lang)}</td><td>${r.terminal}</td>
          <td>${r.zoneId ? zonePath(zs, r.zoneId) : ''}${r.direction ? ` (${t(`dir.${r.direction}`)})` : ''}</td><td class=${r.result ?? ''}>${eventWords(r, t)}</td>
          <td>${r.personId ? html`<a href=${`#/trajectory/${encodeURIComponent(r.personId)}`}>${r.personName ?? r.personId}</a>` : ''}</td><td>${r.credentialType === 'card' ? (r.credentialRef ?? '') : r.credentialType === 'qr' && r.credentialRef ? `qr (${r.credentialRef})` : (r.credentialType ?? '')}</td></tr>`)}
      </tbody></table>
      <p class="meta" id="record-count">${t('rec.count', { n: result.records.length })}</p>
      ${result.next ? html`<button id="more" onClick=${() => run(result.query, result.next)}>${t('common.more')}</button>` : null}` : null}
  </section>`;
}

/** The zone tree with each zone the person passed through marked, its passages counted (a zone counts its sub-zones'). */
function TrajectoryTree({ zones, steps, t, lang }) {
  const visits = new Map();
  for (const s of steps) {
    if (!s.zoneId) continue;
    const zone = zones.find((z) => z.id === s.zoneId);
    for (const id of (zone?.path ?? '').split('/').filter(Boolean).map(Number)) {
      const v = visits.get(id) ?? { n: 0, first: s.ts, last: s.ts };
      visits.set(id, { n: v.n + 1, first: Math.min(v.first, s.ts), last: Math.max(v.last, s.ts) });
    }
  }
  const node = (n) => {
    const v = visits.get(n.id);
    return html`<li data-zone=${n.id} data-visited=${v ? 'yes' : 'no'} class=${v ? 'visited' : 'meta'}>
      ${v ? html`<b>${n.name}</b> ${t('traj.passages', { n: v.n })} <span class="meta">${time(v.first, lang)}–${time(v.last, lang)}</span>` : n.name}
      ${n.children.length ? html`<ul>${n.children.map(node)}</ul>` : null}</li>`;
  };
  return html`<ul class="tree" id="trajectory-tree">${zoneTree(zones).map(node)}</ul>`;
}

export function Trajectory({ person }) {
  const { t, lang, paths } = useCtx();
  const [form, setForm] = useState({ personId: person ?? '', day: dayOf() });
  const [shown, setShown] = useState(person ? { personId: person, day: dayOf() } : null);
  const zones = useLoad(() => api('GET', '/api/zones'), []);
  const steps = useLoad(async () => {
    if (!shown) return null;
    const from = new Date(`${shown.day}T00:00`);
    const to = new Date(from.getTime() + 24 * 3_600_000);
    const path = `/api/persons/{id}/trajectory`;
    if (paths.has(path)) {
      const r = await api('GET', `/api/persons/${encodeURIComponent(shown.personId)}/trajectory${query({ from: from.toISOString(), to: to.toISOString() })}`);
      return (r.steps ?? r.trajectory ?? []).map((s) => ({ ...s, ts: typeof s.ts === 'string' ? Date.parse(s.ts) : s.ts }));
    }
    // Without the trajectory API: the person's records of the day, oldest first.
    const r = await api('GET', `/api/records${query({ personId: shown.personId, from: from.toISOString(), to: to.toISOString(), limit: 1000 })}`);
    return r.records.reverse();
  }, [shown?.personId, shown?.day]);
  const zs = zones.data?.zones ?? [];
  return html`<section id="trajectory"><form class="filters" onSubmit=${(e) => { e.preventDefault(); setShown({ ...form }); }}>
      <label>${t('traj.person')}<input type="text" name="personId" value=${form.personId} onInput=${(e) => setForm({ ...form, personId: e.target.value })} required /></label>
      <label>${t('traj.day')}<input type="date" name="day" value=${form.day} onInput=${(e) => setForm({ ...form, day: e.target.value })} required /></label>
      <div class="row"><button class="primary" type="submit">${t('traj.show')}</button></div></form>
    <${ErrorLine} error=${steps.error} />
    ${shown && steps.data ? html`<h2>${t('traj.title', { person: shown.personId, day: shown.day })}</h2>
      ${steps.data.length === 0 ? html`<p class="meta">${t('traj.none')}</p>` : html`<ol class="timeline">${steps.data.map((s) => html`<li data-step=${s.terminal ?? s.terminalId}>
        <span class="when">${time(s.ts, lang)}</span> <b>${s.zoneId ? zonePath(zs, s.zoneId) : (s.zoneName ?? s.terminal)}</b>
        ${s.direction ? ` ${t(`dir.${s.direction}`)}` : ''} <span class=${s.result ?? ''}>${eventWords(s, t)}</span> <span class="meta">${s.terminal}</span></li>`)}</ol>
      <${TrajectoryTree} zones=${zs} steps=${steps.data} t=${t} lang=${lang} />`}` : null}
  </section>`;
}
