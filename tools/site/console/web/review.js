// Fresh data in the console: the review queue of the two standing tasks (an unknown face
// that frequently appears, with its likely building and its sightings on demand; a
// resident persistently absent), confirm (register to a unit with the consent record, or
// move out) or reject (suppressed for some days), the tasks' settings, and the register's
// export and import (a dry run previews every row's change or coded error first).
import { useState } from 'preact/hooks';
import { api, isoOf } from './api.js';
import { dateTime, ErrorLine, html, localInput, useCtx, useLoad, zonePath } from './ui.js';

const ROLES = ['tenant', 'owner', 'family'];
const CONSENT_METHODS = ['signed-form', 'kiosk', 'app', 'web', 'recorded-verbal', 'other'];

function Msg({ id, msg }) {
  return html`<div class=${`msg ${msg.ok ? 'ok' : 'err'}`} id=${id} role="status" data-code=${msg.code ?? ''}>${msg.text}</div>`;
}

/**
 * The best sighting's face snapshot: the terminal keeps it (sealed, under its retention), the
 * site fetches it for this view only (audited); past the terminal's retention it is gone.
 */
function BestSnapshot({ identity, best }) {
  const { t } = useCtx();
  const [state, setState] = useState('loading');
  if (!best) return html`<p class="meta identity-no-snapshot">${t('rev.noSnapshot')}</p>`;
  if (state === 'failed') return html`<p class="meta identity-no-snapshot">${t('rev.snapshotGone')}</p>`;
  return html`<img class="snapshot identity-snapshot" alt=${t('rev.snapshot')} src=${`/api/community/identities/${identity}/snapshot`}
    data-loaded=${state === 'loaded' ? 'yes' : 'no'} onLoad=${() => setState('loaded')} onError=${() => setState('failed')} />`;
}

/** Sightings of an anonymous identity: read (and audited) only when the reviewer asks. */
function Sightings({ identity, zones }) {
  const { t, lang } = useCtx();
  const [open, setOpen] = useState(false);
  const data = useLoad(async () => (open ? api('GET', `/api/community/identities/${identity}`) : null), [open, identity]);
  if (!open) return html`<button type="button" class="link show-sightings" onClick=${() => setOpen(true)}>${t('rev.showSightings')}</button>`;
  if (!data.data) return html`<${ErrorLine} error=${data.error} />`;
  return html`<${BestSnapshot} identity=${identity} best=${data.data.bestSnapshot} /><table class="sightings"><thead><tr><th>${t('rev.when')}</th><th>${t('rev.terminal')}</th><th>${t('rev.zone')}</th><th>${t('rev.direction')}</th></tr></thead><tbody>
    ${data.data.sightings.map((s) => html`<tr data-terminal=${s.terminal}><td>${dateTime(s.at, lang)}</td><td>${s.terminal}</td><td>${s.zoneId === null ? '—' : zonePath(zones, s.zoneId)}</td><td>${t(`rev.dir.${s.direction ?? 'unknown'}`)}</td></tr>`)}</tbody></table>`;
}

function RegisterForm({ finding, units, zones, onDone }) {
  const { t } = useCtx();
  // Units of the likely building first: the one the reviewer most likely picks.
  const inLikely = (u) => finding.likelyZoneId !== null && (u.zoneId === finding.likelyZoneId || zonePath(zones, u.zoneId).startsWith(zonePath(zones, finding.likelyZoneId)));
  const sorted = [...units.filter(inLikely), ...units.filter((u) => !inLikely(u))];
  const [f, setF] = useState({ unitId: String(sorted[0]?.id ?? ''), role: 'tenant', name: '', phone: '', method: 'signed-form', givenAt: localInput(Date.now()), reference: '' });
  const [msg, setMsg] = useState({ ok: true, text: '' });
  const set = (k) => (e) => setF((prev) => ({ ...prev, [k]: e.target.value }));
  const submit = async (e) => {
    e.preventDefault();
    try {
      await api('POST', `/api/community/findings/${finding.id}/confirm`, {
        unitId: Number(f.unitId),
        role: f.role,
        name: f.name.trim(),
        ...(f.phone.trim() && { phone: f.phone.trim() }),
        consent: { givenAt: isoOf(f.givenAt), method: f.method, ...(f.reference.trim() && { reference: f.reference.trim() }) },
      });
      onDone(t('rev.registered', { name: f.name.trim() }));
    } catch (err) {
      setMsg({ ok: false, text: err.message, code: err.code });
    }
  };
  return html`<form class="confirm-register" onSubmit=${submit}>
    <div class="filters">
      <label>${t('rev.unit')}<select name="unitId" value=${f.unitId} onChange=${set('unitId')} required>
        ${sorted.map((u) => html`<option value=${u.id}>${u.label} (${zonePath(zones, u.zoneId)})</option>`)}</select></label>
      <label>${t('rev.role')}<select name="role" value=${f.role} onChange=${set('role')}>${ROLES.map((r) => html`<option value=${r}>${t(`rev.role.${r}`)}</option>`)}</select></label>
      <label>${t('rev.name')}<input type="text" name="name" value=${f.name} onInput=${set('name')} maxlength="120" required /></label>
      <label>${t('rev.phone')}<input type="text" name="phone" value=${f.phone} onInput=${set('phone')} maxlength="40" /></label>
    </div>
    <fieldset class="consent"><legend>${t('rev.consent')}</legend><div class="filters">
      <label>${t('rev.consentMethod')}<select name="consentMethod" value=${f.method} onChange=${set('method')}>${CONSENT_METHODS.map((m) => html`<option value=${m}>${t(`rev.consent.${m}`)}</option>`)}</select></label>
      <label>${t('rev.consentAt')}<input type="datetime-local" name="consentAt" value=${f.givenAt} onInput=${set('givenAt')} required /></label>
      <label>${t('rev.consentRef')}<input type="text" name="consentRef" value=${f.reference} onInput=${set('reference')} maxlength="200" /></label>
    </div></fieldset>
    <div class="row"><button class="primary" type="submit">${t('rev.confirmRegister')}</button></div>
    <${Msg} id=${`finding-${finding.id}-msg`} msg=${msg} /></form>`;
}

function RejectForm({ finding, suppressDays, onDone }) {
  const { t } = useCtx();
  const [days, setDays] = useState(String(suppressDays));
  const [note, setNote] = useState('');
  const [msg, setMsg] = useState({ ok: true, text: '' });
  const submit = async (e) => {
    e.preventDefault();
    try {
      await api('POST', `/api/community/findings/${finding.id}/reject`, { suppressDays: Number(days), ...(note.trim() && { note: note.trim() }) });
      onDone(t('rev.rejected', { days }));
    } catch (err) {
      setMsg({ ok: false, text: err.message, code: err.code });
    }
  };
  return html`<form class="reject" onSubmit=${submit}><div class="filters">
      <label>${t('rev.suppressDays')}<input type="number" name="suppressDays" min="1" max="3650" value=${days} onInput=${(e) => setDays(e.target.value)} required /></label>
      <label>${t('rev.note')}<input type="text" name="note" value=${note} onInput=${(e) => setNote(e.target.value)} maxlength="2000" placeholder=${t('rev.notePlaceholder')} /></label>
    </div><div class="row"><button type="submit">${t('rev.reject')}</button></div><${Msg} id=${`finding-${finding.id}-reject-msg`} msg=${msg} /></form>`;
}

function FindingCard({ finding: f, units, zones, settings, onDone }) {
  const { t, lang } = useCtx();
  const [moveMsg, setMoveMsg] = useState({ ok: true, text: '' });
  const moveOut = async () => {
    try {
      await api('POST', `/api/community/findings/${f.id}/confirm`);
      onDone(t('rev.movedOut', { name: f.personName ?? f.subject }));
    } catch (err) {
      setMoveMsg({ ok: false, text: err.message, code: err.code });
    }
  };
  const frequent = f.kind === 'frequent';
  return html`<article class="card finding" data-finding=${f.id} data-kind=${f.kind} data-subject=${f.subject}>
    <h3>${frequent ? t('rev.frequentTitle') : t('rev.absentTitle', { name: f.personName ?? f.subject })}</h3>
    ${frequent
      ? html`<p class="meta">${t('rev.likely')}: <span class="likely">${f.likelyZoneId === null ? '—' : zonePath(zones, f.likelyZoneId)}</span>${' · '}${t('rev.daysSeen', { days: f.detail.distinctDays })}${' · '}${dateTime(f.detail.firstSeen, lang)} – ${dateTime(f.detail.lastSeen, lang)}</p>
          <${Sightings} identity=${f.subject} zones=${zones} />
          <${RegisterForm} finding=${f} units=${units} zones=${zones} onDone=${onDone} />`
      : html`<p class="meta">${t('rev.daysAbsent', { days: f.detail.absentDays, threshold: f.detail.thresholdDays })}${' · '}${t('rev.lastPassage')}:${' '}${f.detail.lastPassageAt ? dateTime(f.detail.lastPassageAt, lang) : t('rev.never')}</p>
          <div class="row"><button class="primary move-out" type="button" onClick=${moveOut}>${t('rev.confirmMoveOut')}</button></div><${Msg} id=${`finding-${f.id}-msg`} msg=${moveMsg} />`}
    <${RejectForm} finding=${f} suppressDays=${settings.rejectSuppressDays} onDone=${onDone} />
  </article>`;
}

/** The settings as last read; remounted after each save, so its message lives in the page (`msg`, `setMsg`). */
function SettingsForm({ settings, onSaved, msg, setMsg }) {
  const { t, me } = useCtx();
  const s = settings;
  const [f, setF] = useState({
    minDistinctDays: s.frequent.minDistinctDays,
    windowDays: s.frequent.windowDays,
    nightHour: s.frequent.nightHour,
    maxStayHours: s.frequent.maxStayHours,
    timeZone: s.frequent.timeZone,
    residentialZoneKinds: s.frequent.residentialZoneKinds.join(', '),
    defaultDays: s.absence.defaultDays,
    ...Object.fromEntries(ROLES.map((r) => [`list.${r}`, s.absence.perListDays[r] ?? ''])),
    rejectSuppressDays: s.rejectSuppressDays,
    retentionDays: s.retentionDays,
  });
  const set = (k) => (e) => setF((prev) => ({ ...prev, [k]: e.target.value }));
  const num = (k) => Number(f[k]);
  const submit = async (e) => {
    e.preventDefault();
    try {
      await api('PUT', '/api/community/settings', {
        frequent: {
          minDistinctDays: num('minDistinctDays'),
          windowDays: num('windowDays'),
          nightHour: num('nightHour'),
          maxStayHours: num('maxStayHours'),
          timeZone: String(f.timeZone).trim(),
          residentialZoneKinds: String(f.residentialZoneKinds).split(',').map((k) => k.trim()).filter(Boolean),
        },
        absence: { defaultDays: num('defaultDays'), perListDays: Object.fromEntries(ROLES.filter((r) => String(f[`list.${r}`]).trim() !== '').map((r) => [r, num(`list.${r}`)])) },
        rejectSuppressDays: num('rejectSuppressDays'),
        retentionDays: num('retentionDays'),
      });
      setMsg({ ok: true, text: t('rev.settingsSaved') });
      onSaved();
    } catch (err) {
      setMsg({ ok: false, text: err.message, code: err.code });
    }
  };
  const field = (k, type = 'number') => html`<label>${t(`rev.set.${k}`)}<input type=${type} name=${k} value=${f[k]} onInput=${set(k)} /></label>`;
  return html`<form id="community-settings" class="card" onSubmit=${submit}><h2>${t('rev.settings')}</h2>
    <fieldset disabled=${me.role !== 'admin'}>
      <h3>${t('rev.frequentTask')}</h3><div class="filters">${['minDistinctDays', 'windowDays', 'nightHour', 'maxStayHours'].map((k) => field(k))}${field('timeZone', 'text')}${field('residentialZoneKinds', 'text')}</div>
      <h3>${t('rev.absentTask')}</h3><div class="filters">${field('defaultDays')}
        ${ROLES.map((r) => html`<label>${t('rev.set.perList', { list: t(`rev.role.${r}`) })}<input type="number" name=${`list.${r}`} min="1" value=${f[`list.${r}`]} onInput=${set(`list.${r}`)} /></label>`)}</div>
      <div class="filters">${field('rejectSuppressDays')}${field('retentionDays')}</div>
      <div class="row"><button class="primary" type="submit">${t('common.save')}</button></div>
    </fieldset><${Msg} id="community-settings-msg" msg=${msg} /></form>`;
}

function RegisterExchange() {
  const { t } = useCtx();
  const [pending, setPending] = useState(null);
  const [report, setReport] = useState(null);
  const [msg, setMsg] = useState({ ok: true, text: '' });
  // merge: only what the file says; replace: residents of the buildings it covers that it no longer lists move out.
  const [mode, setMode] = useState('merge');
  const preview = async (e) => {
    const file = e.target.files[0];
    setReport(null);
    setPending(null);
    if (!file) return;
    try {
      const text = await file.text();
      let body;
      if (/\.json$/i.test(file.name)) {
        let parsed;
        try {
          parsed = JSON.parse(text);
        } catch {
          return setMsg({ ok: false, text: t('rev.importNotJson'), code: 'JSON_INVALID' });
        }
        body = { format: 'json', rows: Array.isArray(parsed) ? parsed : parsed.rows };
      } else body = { format: 'csv', csv: text };
      body.mode = mode;
      const r = await api('POST', '/api/community/register/import', { ...body, dryRun: true });
      setPending(body);
      setReport(r);
      setMsg({ ok: r.summary.invalid === 0, text: t(r.summary.invalid ? 'rev.importHasErrors' : r.mode === 'replace' ? 'rev.importPreviewReplace' : 'rev.importPreview', r.summary) });
    } catch (err) {
      setMsg({ ok: false, text: err.message, code: err.code });
    }
  };
  const apply = async () => {
    try {
      const r = await api('POST', '/api/community/register/import', { ...pending, dryRun: false });
      setReport(r);
      setPending(null);
      setMsg({ ok: true, text: t(r.mode === 'replace' ? 'rev.importAppliedReplace' : 'rev.importApplied', r.summary) });
    } catch (err) {
      setMsg({ ok: false, text: err.message, code: err.code });
    }
  };
  return html`<section id="register" class="card"><h2>${t('rev.register')}</h2>
    <div class="row" id="register-export">${t('rev.export')}:
      <a class="button" id="register-csv" href="/api/community/register?format=csv" download="register.csv">${t('rev.registerCsv')}</a>
      <a class="button" id="register-json" href="/api/community/register?format=json" download="register.json">${t('rev.registerJson')}</a>
      <a class="button" id="changes-csv" href="/api/community/changes?format=csv" download="register-changes.csv">${t('rev.changesCsv')}</a></div>
    <div class="row"><label>${t('rev.importMode')}<select id="import-mode" value=${mode} onChange=${(e) => (setMode(e.target.value), setReport(null), setPending(null), (document.getElementById('import-file').value = ''))}>
        <option value="merge">${t('rev.mode.merge')}</option><option value="replace">${t('rev.mode.replace')}</option></select></label>
      <label>${t('rev.import')}<input type="file" id="import-file" accept=".csv,.json,text/csv,application/json" onChange=${preview} /></label></div>
    <${Msg} id="import-msg" msg=${msg} />
    ${report
      ? html`<table id="import-preview" data-applied=${String(report.applied)}><thead><tr><th>${t('rev.row')}</th><th>${t('rev.change')}</th><th>${t('rev.person')}</th><th>${t('rev.errors')}</th></tr></thead><tbody>
          ${report.rows.map((r) => html`<tr data-row=${r.row} data-action=${r.action ?? 'invalid'} class=${r.errors.length ? 'bad' : ''}><td>${r.row}</td><td>${r.action ? t(`rev.action.${r.action}`) : '—'}</td><td>${r.personId ?? ''}</td>
            <td>${r.errors.map((x) => html`<div class="import-error" data-code=${x.code}><code>${x.code}</code> ${x.field}: ${x.message}</div>`)}</td></tr>`)}
          ${(report.missing ?? []).map((m) => html`<tr class="import-missing" data-missing=${m.personId} data-action="move-out"><td>—</td><td>${t('rev.action.missing')}</td><td>${m.name} (${m.personId}, ${m.unit})</td><td></td></tr>`)}</tbody></table>
        ${pending ? html`<div class="row"><button class="primary" id="import-apply" type="button" disabled=${report.summary.invalid > 0} onClick=${apply}>${t('rev.importApply')}</button></div>` : null}`
      : null}</section>`;
}

export function Review() {
  const { t } = useCtx();
  const [tick, setTick] = useState(0);
  const [done, setDone] = useState('');
  const [settingsMsg, setSettingsMsg] = useState({ ok: true, text: '' });
  const base = useLoad(async () => {
    const [u, z] = await Promise.all([api('GET', '/api/units'), api('GET', '/api/zones')]);
    return { units: u.units, zones: z.zones };
  }, []);
  const data = useLoad(async () => {
    const [f, s] = await Promise.all([api('GET', '/api/community/findings?state=open'), api('GET', '/api/community/settings')]);
    return { findings: f.findings, settings: s };
  }, [tick]);
  const reload = () => setTick((n) => n + 1);
  const onDone = (text) => {
    setDone(text);
    reload();
  };
  if (!base.data || !data.data) return html`<section id="review"><${ErrorLine} error=${base.error ?? data.error} /></section>`;
  const { units, zones } = base.data;
  const { findings, settings } = data.data;
  return html`<div class="grid" id="review">
    <div><section id="findings"><h2>${t('rev.queue')} <span class="pill">${findings.length}</span></h2>
      <div class="msg ok" id="review-msg" role="status">${done}</div>
      ${findings.length === 0 ? html`<p class="meta" id="findings-none">${t('rev.noFindings')}</p>` : null}
      ${findings.map((f) => html`<${FindingCard} key=${f.id} finding=${f} units=${units} zones=${zones} settings=${settings} onDone=${onDone} />`)}</section></div>
    <div><${SettingsForm} key=${JSON.stringify(settings)} settings=${settings} onSaved=${reload} msg=${settingsMsg} setMsg=${setSettingsMsg} /><${RegisterExchange} /></div></div>`;
}
