// Visitors: the desk registers a visitor (the ID number goes to the server, which keeps
// it masked), issues a pass (its QR on screen, printable) and sees today's visitors,
// today's visits and who is still inside; the lists follow the live events.
import { useEffect, useState } from 'preact/hooks';
import { api, isoOf, query } from './api.js';
import { useLive } from './dashboard.js';
import { dateTime, ErrorLine, FormMessage, html, localInput, optionalText as opt, time, useCtx, useForm, useLoad, zonePath } from './ui.js';

const HOUR = 3_600_000;
/** Visits close on the server's clock (exit or expiry): a guard's screen asks again now and then. */
const REFRESH_MS = 10_000;

function today() {
  const from = new Date();
  from.setHours(0, 0, 0, 0);
  return { from: from.toISOString(), to: new Date(from.getTime() + 24 * HOUR).toISOString() };
}

function Register({ units, zones, onRegistered }) {
  const { t } = useCtx();
  // A function: the expected times are taken afresh each time the form empties.
  const { f, set, msg, submitWith } = useForm(() => ({ name: '', idNumber: '', phone: '', hostUnitId: '', purpose: '', from: localInput(Date.now()), until: localInput(Date.now() + 4 * HOUR), plate: '' }));
  const submit = submitWith(async () => {
    const v = await api('POST', '/api/visitors', {
      name: f.name.trim(),
      idNumber: opt(f.idNumber),
      phone: opt(f.phone),
      hostUnitId: Number(f.hostUnitId),
      purpose: opt(f.purpose),
      expectedFrom: isoOf(f.from),
      expectedUntil: isoOf(f.until),
      plate: opt(f.plate),
    });
    onRegistered(v);
    return t('vis.registered', { name: v.name });
  });
  return html`<form id="visitor-form" class="card" onSubmit=${submit}><h2>${t('vis.register')}</h2>
    <div class="filters">
      <label>${t('vis.name')}<input type="text" name="name" value=${f.name} onInput=${set('name')} required maxlength="80" /></label>
      <label>${t('vis.idNumber')}<input type="text" name="idNumber" value=${f.idNumber} onInput=${set('idNumber')} minlength="4" maxlength="40" autocomplete="off" /></label>
      <label>${t('vis.phone')}<input type="text" name="phone" value=${f.phone} onInput=${set('phone')} maxlength="32" /></label>
      <label>${t('vis.host')}<select name="hostUnitId" value=${f.hostUnitId} onChange=${set('hostUnitId')} required>
        <option value="">—</option>${units.map((u) => html`<option value=${u.id}>${u.label} (${zonePath(zones, u.zoneId)})</option>`)}</select></label>
      <label>${t('vis.purpose')}<input type="text" name="purpose" value=${f.purpose} onInput=${set('purpose')} maxlength="200" /></label>
      <label>${t('vis.plate')}<input type="text" name="plate" value=${f.plate} onInput=${set('plate')} maxlength="16" /></label>
      <label>${t('vis.from')}<input type="datetime-local" name="expectedFrom" value=${f.from} onInput=${set('from')} required /></label>
      <label>${t('vis.until')}<input type="datetime-local" name="expectedUntil" value=${f.until} onInput=${set('until')} required /></label>
    </div>
    <div class="row"><button class="primary" type="submit">${t('vis.submit')}</button></div>
    <${FormMessage} id="visitor-msg" msg=${msg} /></form>`;
}

/** Prints the pass alone (index.html's print rules show only #pass while body has .print-pass). */
function printPass() {
  document.body.classList.add('print-pass');
  try {
    window.print();
  } finally {
    document.body.classList.remove('print-pass');
  }
}

function IssuePass({ visitor }) {
  const { t, lang } = useCtx();
  const [f, setF] = useState({ from: localInput(Date.parse(visitor.expectedFrom)), until: localInput(Date.parse(visitor.expectedUntil)), uses: '2' });
  const [pass, setPass] = useState(null);
  const [msg, setMsg] = useState('');
  const set = (k) => (e) => setF((prev) => ({ ...prev, [k]: e.target.value }));
  const submit = async (e) => {
    e.preventDefault();
    try {
      setPass(await api('POST', `/api/visitors/${visitor.id}/passes`, { validFrom: isoOf(f.from), validUntil: isoOf(f.until), maxUses: Number(f.uses) }));
      setMsg('');
    } catch (err) {
      setMsg(err.message);
    }
  };
  return html`<section id="issue-pass" data-visitor=${visitor.id}>
    <form onSubmit=${submit}><h2>${t('vis.issueFor', { name: visitor.name })}</h2>
      <div class="filters">
        <label>${t('vis.validFrom')}<input type="datetime-local" name="validFrom" value=${f.from} onInput=${set('from')} required /></label>
        <label>${t('vis.validUntil')}<input type="datetime-local" name="validUntil" value=${f.until} onInput=${set('until')} required /></label>
        <label>${t('vis.uses')}<input type="number" name="maxUses" min="1" max="1000" value=${f.uses} onInput=${set('uses')} required /></label>
      </div>
      <div class="row"><button class="primary" type="submit">${t('vis.issue')}</button></div>
      <div class="msg err" id="pass-msg" role="alert">${msg}</div></form>
    ${pass ? html`<div id="pass" class="qr" data-pass=${pass.id}>
      <h3>${t('vis.pass', { name: visitor.name })}</h3>
      <img src=${pass.svg} alt=${t('vis.pass', { name: visitor.name })} />
      <p>${t('vis.passValid', { until: dateTime(Date.parse(pass.validUntil), lang), uses: pass.maxUses })}</p>
      <p class="meta">${t('vis.passTerminals', { terminals: pass.terminals.join(', ') })}</p>
      <div class="row"><button type="button" id="print-pass" onClick=${printPass}>${t('vis.print')}</button>
        <a class="button" href=${pass.png} download=${`${pass.id}.png`}>${t('vis.download')}</a></div></div>` : null}
  </section>`;
}

function VisitTable({ id, visits, zones, inside }) {
  const { t, lang } = useCtx();
  if (visits.length === 0) return html`<p class="meta" id=${`${id}-empty`}>${t('common.none')}</p>`;
  return html`<table id=${id}><thead><tr><th>${t('vis.name')}</th><th>${t('vis.entered')}</th><th>${t('rec.terminal')}</th><th>${t('rec.zone')}</th>${inside ? null : html`<th>${t('vis.left')}</th>`}</tr></thead><tbody>
    ${visits.map((v) => html`<tr data-visitor=${v.visitorId} data-pass=${v.passId ?? ''}><td>${v.visitorName}</td><td>${time(Date.parse(v.enteredAt), lang)}</td><td>${v.enteredTerminal}</td>
      <td>${v.zoneId ? zonePath(zones, v.zoneId) : ''}</td>${inside ? null : html`<td>${v.exitedAt ? `${time(Date.parse(v.exitedAt), lang)} (${t(`vis.closed.${v.closed}`)})` : t('vis.open')}</td>`}</tr>`)}
  </tbody></table>`;
}

export function Visitors() {
  const { t, lang, paths } = useCtx();
  const live = useLive();
  const [chosen, setChosen] = useState(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const base = useLoad(async () => {
    const [u, z] = await Promise.all([api('GET', '/api/units'), api('GET', '/api/zones')]);
    return { units: u.units, zones: z.zones };
  }, []);
  const granted = live.events.filter((e) => e.result === 'granted').length;
  const lists = useLoad(async () => {
    const day = today();
    const [visitors, visits, inside] = await Promise.all([api('GET', `/api/visitors${query(day)}`), api('GET', `/api/visits${query(day)}`), api('GET', '/api/visits/inside')]);
    return { visitors: visitors.visitors, visits: visits.visits, inside: inside.visits };
  }, [granted, tick, chosen?.id]);
  if (!paths.has('/api/visitors')) return html`<section id="visitors"><p class="meta">${t('vis.noApi')}</p></section>`;
  if (!base.data) return html`<section id="visitors"><${ErrorLine} error=${base.error} /></section>`;
  const { units, zones } = base.data;
  const unitLabel = new Map(units.map((u) => [u.id, u.label]));
  const l = lists.data;
  return html`<div class="grid" id="visitors">
    <div>
      <${Register} units=${units} zones=${zones} onRegistered=${setChosen} />
      ${chosen ? html`<${IssuePass} key=${chosen.id} visitor=${chosen} />` : null}
    </div>
    <div><${ErrorLine} error=${lists.error} />
      <section><h2>${t('vis.inside')}</h2>${l ? html`<${VisitTable} id="visits-inside" visits=${l.inside} zones=${zones} inside=${true} />` : null}</section>
      <section><h2>${t('vis.visits')}</h2>${l ? html`<${VisitTable} id="visits-today" visits=${l.visits} zones=${zones} inside=${false} />` : null}</section>
      <section><h2>${t('vis.today')}</h2>${l && l.visitors.length ? html`<table id="visitors-today"><thead><tr>
          <th>${t('vis.name')}</th><th>${t('vis.idShort')}</th><th>${t('vis.phone')}</th><th>${t('vis.host')}</th><th>${t('vis.purpose')}</th><th>${t('vis.window')}</th><th>${t('vis.plate')}</th><th></th></tr></thead><tbody>
        ${l.visitors.map((v) => html`<tr data-visitor=${v.id}><td>${v.name}</td><td>${v.idNumberMasked ?? ''}</td><td>${v.phone ?? ''}</td><td>${unitLabel.get(v.hostUnitId) ?? v.hostUnitId}</td>
          <td>${v.purpose ?? ''}</td><td>${time(Date.parse(v.expectedFrom), lang)}–${time(Date.parse(v.expectedUntil), lang)}</td><td>${v.plate ?? ''}</td>
          <td><button class="small" onClick=${() => setChosen(v)}>${t('vis.issue')}</button></td></tr>`)}
      </tbody></table>` : html`<p class="meta">${t('common.none')}</p>`}</section>
    </div></div>`;
}
