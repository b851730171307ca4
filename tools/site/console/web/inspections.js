// Inspections in the console: units overdue for a visit, each inspector's activity over
// the last 30 days (visits, units covered, visits per week, last visit) and the visits;
// the office sets a unit's landlord, inspector and period and prints its cards.
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { dateTime, ErrorLine, html, useCtx, useLoad, zonePath } from './ui.js';

const OFFICE = ['admin', 'registrar'];

function UnitSettings({ units, zones, inspectors, onSaved }) {
  const { t } = useCtx();
  const blank = { unitId: '', landlordName: '', landlordPhone: '', inspectorId: '', periodDays: '30' };
  const [f, setF] = useState(blank);
  const [msg, setMsg] = useState({ ok: true, text: '' });
  const set = (k) => (e) => setF((prev) => ({ ...prev, [k]: e.target.value }));
  const pick = async (e) => {
    const unitId = e.target.value;
    if (!unitId) return setF(blank);
    const s = await api('GET', `/api/units/${unitId}/inspection`);
    setF({ unitId, landlordName: s.landlordName ?? '', landlordPhone: s.landlordPhone ?? '', inspectorId: s.inspectorId ?? '', periodDays: s.periodDays ?? '' });
  };
  const submit = async (e) => {
    e.preventDefault();
    const opt = (v) => (String(v).trim() ? String(v).trim() : null);
    try {
      await api('PUT', `/api/units/${f.unitId}/inspection`, {
        landlordName: opt(f.landlordName),
        landlordPhone: opt(f.landlordPhone),
        inspectorId: f.inspectorId === '' ? null : Number(f.inspectorId),
        periodDays: f.periodDays === '' ? null : Number(f.periodDays),
      });
      setMsg({ ok: true, text: t('insp.saved') });
      onSaved();
    } catch (err) {
      setMsg({ ok: false, text: err.message });
    }
  };
  return html`<form id="unit-inspection" class="card" onSubmit=${submit}><h2>${t('insp.settings')}</h2>
    <div class="filters">
      <label>${t('insp.unit')}<select name="unitId" value=${f.unitId} onChange=${pick} required><option value="">—</option>
        ${units.map((u) => html`<option value=${u.id}>${u.label} (${zonePath(zones, u.zoneId)})</option>`)}</select></label>
      <label>${t('insp.landlord')}<input type="text" name="landlordName" value=${f.landlordName} onInput=${set('landlordName')} maxlength="80" /></label>
      <label>${t('insp.landlordPhone')}<input type="text" name="landlordPhone" value=${f.landlordPhone} onInput=${set('landlordPhone')} maxlength="32" /></label>
      <label>${t('insp.inspector')}<select name="inspectorId" value=${f.inspectorId} onChange=${set('inspectorId')}><option value="">—</option>
        ${inspectors.map((i) => html`<option value=${i.staffId}>${i.name ?? i.username}</option>`)}</select></label>
      <label>${t('insp.period')}<input type="number" name="periodDays" min="1" max="3660" value=${f.periodDays} onInput=${set('periodDays')} /></label>
    </div>
    <div class="row"><button class="primary" type="submit" disabled=${!f.unitId}>${t('common.save')}</button></div>
    <div class=${`msg ${msg.ok ? 'ok' : 'err'}`} id="unit-inspection-msg" role="status">${msg.text}</div></form>`;
}

function Cards({ units, zones }) {
  const { t } = useCtx();
  const [chosen, setChosen] = useState(new Set());
  const toggle = (id) => {
    const next = new Set(chosen);
    next.has(id) ? next.delete(id) : next.add(id);
    setChosen(next);
  };
  const q = [...chosen].map((id) => `units=${id}`).join('&');
  return html`<section id="unit-cards"><h2>${t('insp.cards')}</h2>
    <div class="units">${units.map((u) => html`<label class="check" title=${zonePath(zones, u.zoneId)}><input type="checkbox" name="card" value=${u.id} checked=${chosen.has(u.id)} onChange=${() => toggle(u.id)} /> ${u.label}</label>`)}</div>
    <div class="row">${chosen.size ? html`<a class="button" id="cards-pdf" href=${`/api/inspections/cards.pdf?${q}`} download="unit-cards.pdf">PDF</a>
      <a class="button" id="cards-png" href=${`/api/inspections/cards.png?${q}`} download="unit-cards.png">PNG</a>` : html`<span class="meta">${t('insp.chooseUnits')}</span>`}</div></section>`;
}

export function Inspections() {
  const { t, lang, me, paths } = useCtx();
  const [tick, setTick] = useState(0);
  const base = useLoad(async () => {
    const [u, z, i] = await Promise.all([api('GET', '/api/units'), api('GET', '/api/zones'), api('GET', '/api/inspectors')]);
    return { units: u.units, zones: z.zones, inspectors: i.inspectors };
  }, []);
  const data = useLoad(async () => {
    // The last 30 days on the server's clock (the one visits are stamped with).
    const [status, activity] = await Promise.all([api('GET', '/api/inspections/status'), api('GET', '/api/inspections/activity')]);
    return { status: status.units, ...activity };
  }, [tick]);
  if (!paths.has('/api/inspections/status')) return html`<section id="inspections"><p class="meta">${t('insp.noApi')}</p></section>`;
  if (!base.data) return html`<section id="inspections"><${ErrorLine} error=${base.error} /></section>`;
  const { units, zones, inspectors } = base.data;
  const d = data.data;
  const who = new Map(inspectors.map((i) => [i.staffId, i.name ?? i.username]));
  const overdue = d ? d.status.filter((u) => u.overdue) : [];
  return html`<div class="grid" id="inspections">
    <div>
      ${OFFICE.includes(me.role) ? html`<${UnitSettings} units=${units} zones=${zones} inspectors=${inspectors} onSaved=${() => setTick((n) => n + 1)} /><${Cards} units=${units} zones=${zones} />` : null}
      <section><h2>${t('insp.overdueUnits')} <span class="pill bad">${overdue.length}</span></h2>
        ${d && overdue.length === 0 ? html`<p class="meta" id="overdue-none">${t('insp.noneOverdue')}</p>` : null}
        ${overdue.length ? html`<table id="overdue-units"><thead><tr><th>${t('insp.unit')}</th><th>${t('insp.inspector')}</th><th>${t('insp.lastVisitCol')}</th><th>${t('insp.dueCol')}</th></tr></thead><tbody>
          ${overdue.map((u) => html`<tr data-unit=${u.unitId}><td>${u.label} <span class="meta">${zonePath(zones, u.zoneId)}</span></td><td>${who.get(u.inspectorId) ?? '—'}</td>
            <td>${u.lastVisitAt ? dateTime(Date.parse(u.lastVisitAt), lang) : t('insp.neverVisited')}</td><td>${dateTime(Date.parse(u.dueAt), lang)}</td></tr>`)}</tbody></table>` : null}</section>
    </div>
    <div><${ErrorLine} error=${data.error} />
      <section><h2>${t('insp.activity')}</h2>${d ? html`<table id="inspector-activity"><thead><tr><th>${t('insp.inspector')}</th><th>${t('insp.visits')}</th><th>${t('insp.unitsVisited')}</th><th>${t('insp.perWeek')}</th><th>${t('insp.lastVisitCol')}</th><th>${t('insp.units')}</th><th>${t('insp.overdue')}</th></tr></thead><tbody>
        ${d.inspectors.map((i) => html`<tr data-inspector=${i.username}><td>${i.name ?? i.username}</td><td>${i.visits}</td><td>${i.unitsVisited}</td><td>${i.perWeek}</td>
          <td>${i.lastVisitAt ? dateTime(Date.parse(i.lastVisitAt), lang) : '—'}</td><td>${i.units}</td><td>${i.overdue}</td></tr>`)}</tbody></table>` : null}</section>
      <section><h2>${t('insp.recentVisits')}</h2>${d && d.visits.length ? html`<table id="inspection-visits"><thead><tr><th>${t('insp.when')}</th><th>${t('insp.unit')}</th><th>${t('insp.inspector')}</th><th>${t('insp.counts')}</th></tr></thead><tbody>
        ${d.visits.map((v) => html`<tr data-visit=${v.id}><td>${dateTime(Date.parse(v.at), lang)}</td><td>${v.unitLabel}</td><td>${who.get(v.inspectorId) ?? v.inspectorUsername}</td>
          <td>${t('insp.countsText', { confirmed: v.confirmed, added: v.added, departed: v.departed })}</td></tr>`)}</tbody></table>` : html`<p class="meta">${t('common.none')}</p>`}</section>
    </div></div>`;
}
