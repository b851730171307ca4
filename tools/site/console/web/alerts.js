// Alerts in the console: the dashboard's alert area with its pop-up (a guard acknowledges,
// adds notes, closes; who did what is shown) and the alerts page (the log with filters
// and charts per type, zone and hour).
import { useEffect, useState } from 'preact/hooks';
import { api, isoOf, query } from './api.js';
import { AlertRules, TRIGGERS } from './alert-rules.js';
import { BarChart, COLOURS, dateTime, ErrorLine, html, time, useCtx, useLoad, zonePath } from './ui.js';

const STATES = ['open', 'acknowledged', 'closed'];
/** Who may read alerts (with whom they name) and who may handle them, as the API says. */
export const ALERT_READERS = ['admin', 'guard', 'inspector'];
const HANDLERS = ['admin', 'guard'];
/** Triggers whose alerts carry a face snapshot (it may arrive a moment after the alert). */
const FACE_TRIGGERS = ['appears', 'tailgating'];
/** The snapshot may follow its alert by a moment (the terminal's list match comes after the decision). */
const SNAPSHOT_TRIES = 5;

/** Zones, rules and lists: what turns an alert's ids into words (read again when `deps` change). */
export function useAlertNames(deps = []) {
  return useLoad(async () => {
    const [z, r, l] = await Promise.all([api('GET', '/api/zones'), api('GET', '/api/alert-rules'), api('GET', '/api/alert-lists')]);
    return { zones: z.zones, rules: new Map(r.rules.map((x) => [x.id, x])), lists: l.lists };
  }, deps);
}

function Snapshot({ alert }) {
  const { t } = useCtx();
  const [tries, setTries] = useState(0);
  const [failed, setFailed] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [retry, setRetry] = useState(null);
  useEffect(() => () => clearTimeout(retry), [retry]);
  if (failed) return html`<p class="meta" id="alert-no-snapshot">${t('alert.noSnapshot')}</p>`;
  const onError = () => {
    if (tries + 1 >= SNAPSHOT_TRIES) return setFailed(true);
    setRetry(setTimeout(() => setTries(tries + 1), 500 * 2 ** tries));
  };
  return html`<img class="snapshot" id="alert-snapshot" alt=${t('alert.snapshot')} src=${`/api/alerts/${alert.id}/snapshot${tries ? `?try=${tries}` : ''}`}
    data-loaded=${loaded ? 'yes' : 'no'} onLoad=${() => setLoaded(true)} onError=${onError} />`;
}

/** A list member's reference photo, kept by the site (watch and missing-person lists). */
function ListPhoto({ list, person }) {
  const { t } = useCtx();
  const [loaded, setLoaded] = useState(false);
  return html`<img class="snapshot" id="alert-list-photo" alt=${t('alert.listPhoto')} src=${`/api/alert-lists/${encodeURIComponent(list.id)}/members/${encodeURIComponent(person)}/photo`}
    data-loaded=${loaded ? 'yes' : 'no'} onLoad=${() => setLoaded(true)} />`;
}

/** One alert, over the page: what, where, when, whom, the snapshot; acknowledge, note, close. */
export function AlertPopup({ id, version = 0, names, onClose, onChanged }) {
  const { t, lang, me } = useCtx();
  const [alert, setAlert] = useState(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  useEffect(() => {
    setAlert(null);
    api('GET', `/api/alerts/${id}`).then(setAlert, setError);
  }, [id]);
  // An `alert-update` (its snapshot arrived): read it again; the snapshot's key changes with it.
  useEffect(() => {
    if (version > 0) api('GET', `/api/alerts/${id}`).then(setAlert, setError);
  }, [version]);
  const act = async (path, body) => {
    try {
      const a = await api('POST', `/api/alerts/${id}/${path}`, body);
      setAlert(a);
      setNote('');
      setError(null);
      onChanged?.(a);
    } catch (err) {
      setError(err);
    }
  };
  const withNote = () => (note.trim() ? { note: note.trim() } : null);
  const handler = HANDLERS.includes(me.role);
  const rule = alert && names?.rules.get(alert.ruleId);
  const lists = alert?.personId && names ? names.lists.filter((l) => l.members.includes(alert.personId) && (!rule || rule.lists.includes(l.id))) : [];
  // The list's reference photo of the person, beside the terminal's snapshot, to compare.
  const photoList = lists.find((l) => l.photos?.includes(alert.personId));
  return html`<div class="overlay" onClick=${(e) => e.target === e.currentTarget && onClose()}>
    <div class="card popup" id="alert-popup" data-alert=${id} data-state=${alert?.state ?? ''} role="dialog" aria-label=${t('alert.title')}>
      <div class="row"><h2>${t('alert.title')} #${id}</h2><span style="flex:1"></span><button class="small" id="alert-dismiss" onClick=${onClose}>${t('alert.dismiss')}</button></div>
      <${ErrorLine} error=${error} />
      ${alert ? html`<div class="popup-body">
        ${alert.snapshot || FACE_TRIGGERS.includes(alert.trigger) || photoList ? html`<div class="pictures">
          ${alert.snapshot || FACE_TRIGGERS.includes(alert.trigger) ? html`<figure><${Snapshot} key=${alert.snapshot ?? 'none'} alert=${alert} /><figcaption class="meta">${t('alert.snapshotCaption', { terminal: alert.terminal ?? '—' })}</figcaption></figure>` : null}
          ${photoList ? html`<figure><${ListPhoto} list=${photoList} person=${alert.personId} /><figcaption class="meta">${t('alert.listPhotoCaption', { list: photoList.name })}</figcaption></figure>` : null}
        </div>` : null}
        <dl class="facts">
          <dt>${t('alert.rule')}</dt><dd id="alert-rule">${rule?.name ?? alert.ruleId} <span class="meta">v${alert.ruleVersion}</span></dd>
          <dt>${t('alert.trigger')}</dt><dd id="alert-trigger">${t(`trigger.${alert.trigger}`)}</dd>
          <dt>${t('alert.severity')}</dt><dd><span class=${`sev ${alert.severity}`} id="alert-severity">${t(`severity.${alert.severity}`)}</span></dd>
          <dt>${t('alert.zone')}</dt><dd id="alert-zone">${alert.zoneId && names ? zonePath(names.zones, alert.zoneId) : '—'}</dd>
          <dt>${t('alert.terminal')}</dt><dd id="alert-terminal">${alert.terminal ?? '—'}</dd>
          <dt>${t('alert.time')}</dt><dd>${dateTime(alert.firstSeenAt, lang)}${alert.sightings > 1 ? ` · ${t('alert.sightings', { n: alert.sightings })}` : ''}</dd>
          <dt>${t('alert.person')}</dt><dd id="alert-person">${alert.personId ?? '—'}${lists.length ? html` <span class="meta">(${lists.map((l) => l.name).join(', ')})</span>` : null}</dd>
          ${alert.unit ? html`<dt>${t('alert.unit')}</dt><dd id="alert-unit">${alert.unit.label}</dd><dt>${t('alert.inspector')}</dt><dd id="alert-inspector">${alert.inspector?.username ?? '—'}</dd>` : null}
          <dt>${t('alert.state')}</dt><dd id="alert-state">${t(`alertState.${alert.state}`)}</dd>
        </dl></div>
        <ul class="who-did" id="alert-history">
          <li>${t('alert.raised', { at: time(alert.createdAt, lang) })}</li>
          ${alert.acknowledgedAt ? html`<li data-step="acknowledged">${t('alert.acknowledgedBy', { who: alert.acknowledgedBy ?? '?', at: time(alert.acknowledgedAt, lang) })}</li>` : null}
          ${(alert.notes ?? []).map((n) => html`<li data-step="note">${t('alert.noteBy', { who: n.username ?? '?', at: time(n.at, lang) })}: <i>${n.text}</i></li>`)}
          ${alert.closedAt ? html`<li data-step="closed">${t('alert.closedBy', { who: alert.closedBy ?? '?', at: time(alert.closedAt, lang) })}</li>` : null}
        </ul>
        ${handler && alert.state !== 'closed' ? html`<textarea id="alert-note" rows="2" maxlength="2000" placeholder=${t('alert.notePlaceholder')} value=${note} onInput=${(e) => setNote(e.target.value)}></textarea>
          <div class="row">
            ${alert.state === 'open' ? html`<button class="primary" id="alert-ack" onClick=${() => act('acknowledge', withNote())}>${t('alert.acknowledge')}</button>` : null}
            <button id="alert-add-note" disabled=${!note.trim()} onClick=${() => act('notes', { text: note.trim() })}>${t('alert.addNote')}</button>
            <button id="alert-close" onClick=${() => act('close', withNote())}>${t('alert.close')}</button>
          </div>` : null}` : html`<p class="meta">${t('common.loading')}</p>`}
    </div></div>`;
}

/** The dashboard's alert area: open and acknowledged alerts, new ones added live and popped up at once. */
export function AlertArea({ live, updates = {} }) {
  const { t, lang, me } = useCtx();
  const reader = ALERT_READERS.includes(me.role);
  // A new alert may come from a rule or list made since the dashboard opened.
  const names = useAlertNames([live.length]);
  const [shown, setShown] = useState(null);
  const [known, setKnown] = useState([]);
  const [seen, setSeen] = useState(0);
  const load = useLoad(async () => {
    if (!reader) return [];
    // One search (each is audited): the open and the acknowledged together.
    return (await api('GET', '/api/alerts?state=open&state=acknowledged&limit=100')).alerts;
  }, []);
  useEffect(() => load.data && setKnown(load.data), [load.data]);
  // A new alert from the socket: listed, and popped up (viewers see that one came, not about whom).
  useEffect(() => {
    if (live.length <= seen) return;
    const fresh = live.slice(0, live.length - seen);
    setSeen(live.length);
    setKnown((k) => [...fresh.filter((a) => !k.some((x) => x.id === a.id)), ...k]);
    if (reader) setShown(fresh[0].id);
  }, [live.length]);
  const changed = (a) => setKnown((k) => (a.state === 'closed' ? k.filter((x) => x.id !== a.id) : k.map((x) => (x.id === a.id ? a : x))));
  const zs = names.data?.zones ?? [];
  return html`<section id="alerts"><h2>${t('dash.alerts')}${known.length ? html` <span class="pill bad" id="alerts-count">${known.length}</span>` : null}</h2>
    <${ErrorLine} error=${load.error} />
    ${known.length === 0 ? html`<p class="meta" id="alerts-empty">${t('dash.alerts.none')}</p>` : html`<table id="alert-list"><tbody>
      ${known.map((a) => html`<tr class="clickable" data-alert=${a.id} data-state=${a.state} onClick=${() => reader && setShown(a.id)}>
        <td>${time(a.createdAt, lang)}</td><td><span class=${`sev ${a.severity}`}>${t(`trigger.${a.trigger}`)}</span></td>
        <td>${a.zoneId ? zonePath(zs, a.zoneId) : (a.terminal ?? '')}</td><td>${a.personId ?? ''}</td><td class="meta">${t(`alertState.${a.state}`)}</td></tr>`)}
    </tbody></table>`}
    ${shown ? html`<${AlertPopup} id=${shown} version=${updates[shown] ?? 0} names=${names.data} onClose=${() => setShown(null)} onChanged=${changed} />` : null}
  </section>`;
}

const EMPTY = { trigger: '', zoneId: '', state: '', from: '', to: '' };

function AlertCharts({ alerts, zones }) {
  const { t } = useCtx();
  const count = (key) => {
    const m = new Map();
    for (const a of alerts) m.set(key(a), (m.get(key(a)) ?? 0) + 1);
    return m;
  };
  const types = count((a) => a.trigger);
  const perZone = count((a) => (a.zoneId ? zonePath(zones, a.zoneId) : t('alert.noZone')));
  const hours = Array.from({ length: 24 }, (_, h) => alerts.filter((a) => new Date(a.createdAt).getHours() === h).length);
  return html`<div class="charts" id="alert-charts">
    <${BarChart} id="chart-alert-types" title=${t('chart.alertsPerType')} labels=${[...types.keys()].map((k) => t(`trigger.${k}`))} datasets=${[{ label: t('nav.alerts'), data: [...types.values()], backgroundColor: COLOURS[4] }]} />
    <${BarChart} id="chart-alert-zones" title=${t('chart.alertsPerZone')} labels=${[...perZone.keys()]} datasets=${[{ label: t('nav.alerts'), data: [...perZone.values()], backgroundColor: COLOURS[0] }]} />
    <${BarChart} id="chart-alert-hours" title=${t('chart.alertsPerHour')} labels=${hours.map((_, h) => `${h}:00`)} datasets=${[{ label: t('nav.alerts'), data: hours, backgroundColor: COLOURS[2] }]} />
  </div>`;
}

/** The alerts page: the log (audited by the API), filtered, with charts of what it shows. */
export function Alerts() {
  const { t, lang } = useCtx();
  const names = useAlertNames();
  const [form, setForm] = useState(EMPTY);
  const [shown, setShown] = useState(null);
  const [asked, setAsked] = useState(EMPTY);
  const log = useLoad(async () => {
    const from = isoOf(asked.from);
    const to = isoOf(asked.to);
    const q = { ...asked, from: from ? Date.parse(from) : undefined, to: to ? Date.parse(to) : undefined, limit: 1000 };
    return (await api('GET', `/api/alerts${query(q)}`)).alerts;
  }, [JSON.stringify(asked)]);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const zs = names.data?.zones ?? [];
  const rows = log.data ?? [];
  return html`<section id="alert-log"><form id="alert-search" class="filters" onSubmit=${(e) => { e.preventDefault(); setAsked({ ...form }); }}>
      <label>${t('alert.trigger')}<select name="trigger" value=${form.trigger} onChange=${set('trigger')}><option value="">${t('rec.any')}</option>${TRIGGERS.map((x) => html`<option value=${x}>${t(`trigger.${x}`)}</option>`)}</select></label>
      <label>${t('alert.zone')}<select name="zoneId" value=${form.zoneId} onChange=${set('zoneId')}><option value="">${t('rec.anyZone')}</option>${zs.map((z) => html`<option value=${z.id}>${zonePath(zs, z.id)}</option>`)}</select></label>
      <label>${t('alert.state')}<select name="state" value=${form.state} onChange=${set('state')}><option value="">${t('rec.any')}</option>${STATES.map((s) => html`<option value=${s}>${t(`alertState.${s}`)}</option>`)}</select></label>
      <label>${t('rec.from')}<input type="datetime-local" name="from" value=${form.from} onInput=${set('from')} /></label>
      <label>${t('rec.to')}<input type="datetime-local" name="to" value=${form.to} onInput=${set('to')} /></label>
      <div class="row"><button class="primary" type="submit">${t('common.search')}</button></div>
    </form>
    <${ErrorLine} error=${log.error} />
    ${log.data ? html`<${AlertCharts} alerts=${rows} zones=${zs} />
      <table id="alert-table"><thead><tr><th>${t('alert.time')}</th><th>${t('alert.trigger')}</th><th>${t('alert.rule')}</th><th>${t('alert.zone')}</th><th>${t('alert.terminal')}</th><th>${t('alert.person')}</th><th>${t('alert.state')}</th><th>${t('alert.handledBy')}</th></tr></thead><tbody>
        ${rows.map((a) => html`<tr class="clickable" data-alert=${a.id} data-state=${a.state} onClick=${() => setShown(a.id)}><td>${dateTime(a.createdAt, lang)}</td>
          <td><span class=${`sev ${a.severity}`}>${t(`trigger.${a.trigger}`)}</span></td><td>${names.data?.rules.get(a.ruleId)?.name ?? a.ruleId}</td>
          <td>${a.zoneId ? zonePath(zs, a.zoneId) : ''}</td><td>${a.terminal ?? ''}</td><td>${a.personId ?? ''}</td><td>${t(`alertState.${a.state}`)}</td>
          <td>${[a.acknowledgedBy, a.closedBy].filter(Boolean).join(' / ')}</td></tr>`)}
      </tbody></table>
      <p class="meta" id="alert-count">${t('rec.count', { n: rows.length })}</p>` : html`<p class="meta">${t('common.loading')}</p>`}
    ${shown ? html`<${AlertPopup} id=${shown} names=${names.data} onClose=${() => setShown(null)} onChanged=${() => log.reload()} />` : null}
  </section>
  <${AlertRules} />`;
}
