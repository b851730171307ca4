// Vehicles: the register (a resident's or a unit's car), search by plate (a part of one)
// and unit, passages of a plate from the records, parking occupancy per zone, and the
// guard's prompt for an unknown plate waiting at a barrier (open it, or let it go), and
// closing a vehicle gate's barrier.
import { useEffect, useState } from 'preact/hooks';
import { api, query } from './api.js';
import { useLive } from './dashboard.js';
import { dateTime, ErrorLine, FormMessage, html, optionalText as opt, useCtx, useForm, useLoad, zonePath } from './ui.js';

const KEEPERS = ['admin', 'registrar'];
const UNLOCKERS = ['admin', 'guard'];
/** How long an operator's Open keeps the barrier up (the gate closes it once the car passed). */
const OPEN_MS = 10_000;
/** Occupancy is worked out on the server after the event: a guard's screen asks again now and then. */
const REFRESH_MS = 10_000;

function Register({ units, zones, onChanged }) {
  const { t } = useCtx();
  const { f, set, msg, submitWith } = useForm({ plate: '', owner: 'person', personId: '', unitId: '', colour: '', note: '' });
  const submit = submitWith(async () => {
    const v = await api('POST', '/api/vehicles', {
      plate: f.plate.trim(),
      ...(f.owner === 'person' ? { personId: f.personId.trim() } : { unitId: Number(f.unitId) }),
      colour: opt(f.colour),
      note: opt(f.note),
    });
    onChanged();
    return t('veh.registered', { plate: v.plate });
  });
  return html`<form id="vehicle-form" class="card" onSubmit=${submit}><h2>${t('veh.register')}</h2>
    <div class="filters">
      <label>${t('veh.plate')}<input type="text" name="plate" value=${f.plate} onInput=${set('plate')} required maxlength="16" /></label>
      <label>${t('veh.owner')}<select name="owner" value=${f.owner} onChange=${set('owner')}>
        <option value="person">${t('veh.ownerPerson')}</option><option value="unit">${t('veh.ownerUnit')}</option></select></label>
      ${f.owner === 'person'
        ? html`<label>${t('rec.person')}<input type="text" name="personId" value=${f.personId} onInput=${set('personId')} required maxlength="64" /></label>`
        : html`<label>${t('veh.unit')}<select name="unitId" value=${f.unitId} onChange=${set('unitId')} required>
            <option value="">—</option>${units.map((u) => html`<option value=${u.id}>${u.label} (${zonePath(zones, u.zoneId)})</option>`)}</select></label>`}
      <label>${t('veh.colour')}<input type="text" name="colour" value=${f.colour} onInput=${set('colour')} maxlength="32" /></label>
      <label>${t('veh.note')}<input type="text" name="note" value=${f.note} onInput=${set('note')} maxlength="200" /></label>
    </div>
    <div class="row"><button class="primary" type="submit">${t('veh.submit')}</button></div>
    <${FormMessage} id="vehicle-msg" msg=${msg} /></form>`;
}

function VehicleList({ units, version, onChanged }) {
  const { t, me } = useCtx();
  const [f, setF] = useState({ plate: '', unitId: '' });
  const [q, setQ] = useState({});
  const [error, setError] = useState(null);
  const found = useLoad(() => api('GET', `/api/vehicles${query(q)}`), [q, version]);
  const unitLabel = new Map(units.map((u) => [u.id, u.label]));
  const remove = async (v) => {
    try {
      await api('DELETE', `/api/vehicles/${v.id}`);
      setError(null);
      onChanged();
    } catch (err) {
      setError(err);
    }
  };
  const submit = (e) => {
    e.preventDefault();
    setQ({ plate: f.plate.trim(), unitId: f.unitId });
  };
  const keeper = KEEPERS.includes(me.role);
  const list = found.data?.vehicles;
  return html`<section><h2>${t('veh.registered.title')}</h2>
    <form id="vehicle-search" class="filters" onSubmit=${submit}>
      <label>${t('veh.plateOrPart')}<input type="text" name="plate" value=${f.plate} onInput=${(e) => setF((prev) => ({ ...prev, plate: e.target.value }))} maxlength="16" /></label>
      <label>${t('veh.unit')}<select name="unitId" value=${f.unitId} onChange=${(e) => setF((prev) => ({ ...prev, unitId: e.target.value }))}>
        <option value="">${t('rec.any')}</option>${units.map((u) => html`<option value=${u.id}>${u.label}</option>`)}</select></label>
      <button type="submit">${t('common.search')}</button></form>
    <${ErrorLine} error=${found.error ?? error} />
    ${list && list.length
      ? html`<table id="vehicle-table"><thead><tr><th>${t('veh.plate')}</th><th>${t('veh.owner')}</th><th>${t('veh.colour')}</th><th>${t('veh.note')}</th>${keeper ? html`<th></th>` : null}</tr></thead><tbody>
        ${list.map((v) => html`<tr data-vehicle=${v.id} data-plate=${v.plate}><td>${v.plate}</td>
          <td>${v.personId ?? `${t('veh.ownerUnit')} ${unitLabel.get(v.unitId) ?? v.unitId}`}</td><td>${v.colour ?? ''}</td><td>${v.note ?? ''}</td>
          ${keeper ? html`<td><button class="small" data-remove=${v.id} onClick=${() => remove(v)}>${t('veh.remove')}</button></td>` : null}</tr>`)}
      </tbody></table>`
      : list ? html`<p class="meta" id="vehicle-none">${t('common.none')}</p>` : null}
  </section>`;
}

function Passages() {
  const { t, lang } = useCtx();
  const [plate, setPlate] = useState('');
  const [q, setQ] = useState(null);
  const found = useLoad(() => (q ? api('GET', `/api/records${query({ plate: q })}`) : Promise.resolve(null)), [q]);
  const submit = (e) => {
    e.preventDefault();
    // A new search object each time: searching the same plate again reads it again.
    setQ(plate.trim() ? new String(plate.trim()) : null);
  };
  const rows = found.data?.records;
  return html`<section><h2>${t('veh.passages')}</h2>
    <form id="passage-search" class="filters" onSubmit=${submit}>
      <label>${t('veh.plateOrPart')}<input type="text" name="plate" value=${plate} onInput=${(e) => setPlate(e.target.value)} required minlength="2" maxlength="16" /></label>
      <button type="submit">${t('common.search')}</button></form>
    <${ErrorLine} error=${found.error} />
    ${rows && rows.length
      ? html`<table id="passage-table"><thead><tr><th>${t('rec.time')}</th><th>${t('rec.terminal')}</th><th>${t('rec.direction')}</th><th>${t('rec.result')}</th><th>${t('veh.plate')}</th></tr></thead><tbody>
        ${rows.map((r) => html`<tr data-record=${r.id} data-type=${r.type} data-result=${r.result ?? ''}><td>${dateTime(r.ts, lang)}</td><td>${r.terminal}</td>
          <td>${r.direction ? t(`dir.${r.direction}`) : ''}</td><td>${r.result ? t(`rec.${r.result}`) : t('veh.waiting')}</td><td>${r.plate ?? ''}</td></tr>`)}
      </tbody></table>`
      : rows ? html`<p class="meta" id="passage-none">${t('common.none')}</p>` : null}
  </section>`;
}

function Parking({ zones, version }) {
  const { t } = useCtx();
  const occ = useLoad(() => api('GET', '/api/occupancy'), [version]);
  const rows = occ.data?.zones;
  return html`<section><h2>${t('veh.parking')}</h2><${ErrorLine} error=${occ.error} />
    ${rows ? html`<table id="parking-table"><thead><tr><th>${t('rec.zone')}</th><th>${t('veh.inside')}</th></tr></thead><tbody>
      ${rows.map((z) => html`<tr data-parking=${z.zoneId} data-vehicles=${z.vehicles}><td>${zonePath(zones, z.zoneId)}</td><td>${z.vehicles}</td></tr>`)}
    </tbody></table>` : null}</section>`;
}

/** The vehicle gates' barriers: the guard brings one down (the terminal refuses with a vehicle under it or a fire). */
function Barriers() {
  const { t } = useCtx();
  const list = useLoad(() => api('GET', '/api/terminals'), []);
  const [msg, setMsg] = useState({ ok: true, text: '' });
  const gates = (list.data?.terminals ?? []).filter((g) => g.role === 'vehicle-gate');
  const close = async (id) => {
    try {
      const r = await api('POST', `/api/terminals/${encodeURIComponent(id)}/barrier/close`);
      setMsg({ ok: true, text: t(r.wasUp ? 'veh.barrierClosed' : 'veh.barrierWasDown', { terminal: id }) });
    } catch (err) {
      setMsg({ ok: false, text: t('veh.barrierRefused', { message: err.message }) });
    }
  };
  if (!gates.length) return null;
  return html`<section id="barriers"><h2>${t('veh.barriers')}</h2><${ErrorLine} error=${list.error} />
    <table><tbody>${gates.map((g) => html`<tr data-barrier=${g.id}><td>${g.name ?? g.id}</td>
      <td><button class="small" data-close-barrier=${g.id} onClick=${() => close(g.id)}>${t('veh.closeBarrier')}</button></td></tr>`)}</tbody></table>
    <${FormMessage} id="barrier-msg" msg=${msg} /></section>`;
}

/** An unknown plate at a barrier (the ask-guard policy): the guard opens it or lets it be. */
function PlatePrompt({ event, onDone }) {
  const { t } = useCtx();
  const [error, setError] = useState(null);
  const open = async () => {
    try {
      await api('POST', `/api/terminals/${encodeURIComponent(event.terminal)}/unlock`, { door: 'barrier', durationMs: OPEN_MS });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return html`<div class="overlay"><div class="card popup" id="plate-prompt" role="alertdialog" data-terminal=${event.terminal} data-plate=${event.plate ?? ''}>
    <h2>${t('veh.unknownPlate', { plate: event.plate ?? '?', terminal: event.terminal })}</h2>
    <${ErrorLine} error=${error} />
    <div class="row"><button class="primary" id="plate-open" onClick=${open}>${t('veh.openBarrier')}</button>
      <button id="plate-ignore" onClick=${onDone}>${t('veh.ignore')}</button></div></div></div>`;
}

export function Vehicles() {
  const { t, me, paths } = useCtx();
  const live = useLive();
  const [version, setVersion] = useState(0);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  // Prompts answered or dismissed, by `terminal:seq`.
  const [handled, setHandled] = useState(() => new Set());
  const base = useLoad(async () => {
    const [u, z] = await Promise.all([api('GET', '/api/units'), api('GET', '/api/zones')]);
    return { units: u.units, zones: z.zones };
  }, []);
  // Parking follows the plate passages the live socket reports.
  const passages = live.events.filter((e) => e.plate && e.result === 'granted').length;
  if (!paths.has('/api/vehicles')) return html`<section id="vehicles"><p class="meta">${t('veh.noApi')}</p></section>`;
  if (!base.data) return html`<section id="vehicles"><${ErrorLine} error=${base.error} /></section>`;
  const { units, zones } = base.data;
  const key = (e) => `${e.terminal}:${e.seq}`;
  // The terminal's decision ends the wait (the guard answered elsewhere, or `waitMs` ran out).
  const decided = (e) => live.events.some((d) => d.terminal === e.terminal && d.seq > e.seq && d.plate === e.plate && (d.type === 'access.granted' || d.type === 'access.denied'));
  // The oldest unknown plate still waiting for an answer comes first.
  const waiting = UNLOCKERS.includes(me.role) ? live.events.filter((e) => e.type === 'vehicle.unknown-plate' && !handled.has(key(e)) && !decided(e)).at(-1) : undefined;
  const done = (e) => () => setHandled(new Set([...handled, key(e)]));
  return html`<div class="grid" id="vehicles">
    <div>${KEEPERS.includes(me.role) ? html`<${Register} units=${units} zones=${zones} onChanged=${() => setVersion(version + 1)} />` : null}
      <${VehicleList} units=${units} version=${version} onChanged=${() => setVersion(version + 1)} /></div>
    <div>${UNLOCKERS.includes(me.role) ? html`<${Barriers} />` : null}<${Passages} /><${Parking} zones=${zones} version=${`${passages}:${tick}`} /></div>
    ${waiting ? html`<${PlatePrompt} key=${key(waiting)} event=${waiting} onDone=${done(waiting)} />` : null}
  </div>`;
}
