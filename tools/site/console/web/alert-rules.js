// Alert rules in the console: every rule with what it watches, where, when and what it
// does; a form to create or edit one that shows only the fields its trigger uses and the
// server's refusal next to the field it is about; and each rule's versions.
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { dateTime, ErrorLine, html, useCtx, useLoad, zonePath } from './ui.js';

export const TRIGGERS = ['appears', 'long-absence', 'stranger', 'tailgating', 'spoof', 'door-forced', 'door-held-open', 'tamper', 'fire', 'terminal-offline', 'plate-appears', 'inspection-overdue'];
const SEVERITIES = ['info', 'warning', 'critical'];
/** What each trigger needs besides where, when, severity and actions (the server checks the same). */
const USES = {
  lists: ['appears', 'long-absence', 'plate-appears'],
  absenceHours: ['long-absence'],
  offlineMinutes: ['terminal-offline'],
  dedupeMinutes: ['stranger', 'plate-appears'],
};
const uses = (field, trigger) => USES[field].includes(trigger);
const ID_PATTERN = '[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}';

const BLANK = {
  id: '',
  name: '',
  trigger: 'appears',
  enabled: true,
  lists: [],
  zones: [],
  terminals: [],
  periods: [],
  severity: 'warning',
  popup: true,
  mqtt: false,
  webhooks: [],
  absenceHours: '',
  offlineMinutes: '',
  dedupeMinutes: '',
};

const formOf = (r) => ({
  ...BLANK,
  ...r,
  popup: r.actions.popup,
  mqtt: r.actions.mqtt,
  webhooks: r.actions.webhooks,
  absenceHours: r.absenceHours ?? '',
  offlineMinutes: r.offlineMinutes ?? '',
  dedupeMinutes: r.dedupeMinutes ?? '',
});

/** The request body: the fields the trigger uses; an empty number is left out (the server says what is missing). */
function bodyOf(f) {
  const body = {
    name: f.name.trim(),
    trigger: f.trigger,
    enabled: f.enabled,
    lists: uses('lists', f.trigger) ? f.lists : [],
    zones: f.zones,
    terminals: f.terminals,
    periods: f.periods,
    severity: f.severity,
    actions: { popup: f.popup, webhooks: f.webhooks, mqtt: f.mqtt },
  };
  for (const k of ['absenceHours', 'offlineMinutes', 'dedupeMinutes']) if (uses(k, f.trigger) && String(f[k]).trim() !== '') body[k] = Number(f[k]);
  return body;
}

/** The server's message by the field it names (`actions.webhooks` → webhooks). */
const FIELD_OF = { 'actions.webhooks': 'webhooks', 'actions.popup': 'popup', 'actions.mqtt': 'mqtt', actions: 'webhooks' };

function FieldError({ field, error }) {
  if (!error || (FIELD_OF[error.field] ?? error.field) !== field) return null;
  return html`<span class="msg err field-error" role="alert" data-field=${field}>${error.message}</span>`;
}

function Choices({ name, label, options, value, onChange, error }) {
  const { t } = useCtx();
  const toggle = (v, on) => onChange(on ? [...value, v] : value.filter((x) => x !== v));
  return html`<fieldset class="choices" data-field=${name}><legend>${label}</legend>
    ${options.length === 0 ? html`<span class="meta">${t('rules.noneToChoose')}</span>` : null}
    ${options.map((o) => html`<label><input type="checkbox" name=${name} value=${o.value} checked=${value.includes(o.value)} onChange=${(e) => toggle(o.value, e.target.checked)} /> ${o.label}</label>`)}
    <${FieldError} field=${name} error=${error} /></fieldset>`;
}

function RuleForm({ initial, choices, onSaved, onCancel }) {
  const { t } = useCtx();
  const [f, setF] = useState(initial ? formOf(initial) : BLANK);
  const [error, setError] = useState(null);
  const creating = !initial;
  const set = (k) => (v) => setF((prev) => ({ ...prev, [k]: v }));
  const value = (k) => (e) => setF((prev) => ({ ...prev, [k]: e.target.value }));
  const checked = (k) => (e) => setF((prev) => ({ ...prev, [k]: e.target.checked }));
  const submit = async (e) => {
    e.preventDefault();
    try {
      const saved = await api('PUT', `/api/alert-rules/${encodeURIComponent(f.id)}`, bodyOf(f));
      setError(null);
      onSaved(saved);
    } catch (err) {
      setError(err);
    }
  };
  const number = (k, min) => html`<label data-field=${k}>${t(`rules.${k}`)}<input type="number" name=${k} step="any" min=${min} value=${f[k]} onInput=${value(k)} /><${FieldError} field=${k} error=${error} /></label>`;
  const shownFields = ['id', 'name', 'trigger', 'severity', 'lists', 'zones', 'terminals', 'periods', 'webhooks', 'popup', 'mqtt', 'absenceHours', 'offlineMinutes', 'dedupeMinutes'];
  const elsewhere = error && !shownFields.includes(FIELD_OF[error.field] ?? error.field);
  return html`<form id="rule-form" class="card rule-form" data-mode=${creating ? 'create' : 'edit'} onSubmit=${submit}>
    <h3>${creating ? t('rules.new') : t('rules.editing', { id: f.id, version: initial.version })}</h3>
    ${elsewhere ? html`<${ErrorLine} error=${error} />` : null}
    <div class="filters">
      <label data-field="id">${t('rules.id')}<input type="text" name="id" required pattern=${ID_PATTERN} readOnly=${!creating} value=${f.id} onInput=${value('id')} /></label>
      <label data-field="name">${t('rules.name')}<input type="text" name="name" maxlength="100" value=${f.name} onInput=${value('name')} /><${FieldError} field="name" error=${error} /></label>
      <label data-field="trigger">${t('alert.trigger')}<select name="trigger" value=${f.trigger} onChange=${value('trigger')}>${TRIGGERS.map((x) => html`<option value=${x}>${t(`trigger.${x}`)}</option>`)}</select><${FieldError} field="trigger" error=${error} /></label>
      <label data-field="severity">${t('alert.severity')}<select name="severity" value=${f.severity} onChange=${value('severity')}>${SEVERITIES.map((x) => html`<option value=${x}>${t(`severity.${x}`)}</option>`)}</select></label>
      ${uses('absenceHours', f.trigger) ? number('absenceHours', '0') : null}
      ${uses('offlineMinutes', f.trigger) ? number('offlineMinutes', '0') : null}
      ${uses('dedupeMinutes', f.trigger) ? number('dedupeMinutes', '0') : null}
      <label class="inline"><input type="checkbox" name="enabled" checked=${f.enabled} onChange=${checked('enabled')} /> ${t('rules.enabled')}</label>
    </div>
    ${uses('lists', f.trigger) ? html`<${Choices} name="lists" label=${t('rules.lists')} options=${choices.lists} value=${f.lists} onChange=${set('lists')} error=${error} />` : null}
    <${Choices} name="zones" label=${t('rules.zones')} options=${choices.zones} value=${f.zones} onChange=${set('zones')} error=${error} />
    <${Choices} name="terminals" label=${t('rules.terminals')} options=${choices.terminals} value=${f.terminals} onChange=${set('terminals')} error=${error} />
    <p class="meta">${t('rules.whereHint')}</p>
    <${Choices} name="periods" label=${t('rules.periods')} options=${choices.periods} value=${f.periods} onChange=${set('periods')} error=${error} />
    <p class="meta">${t('rules.whenHint')}</p>
    <fieldset class="choices" data-field="actions"><legend>${t('rules.actions')}</legend>
      <label><input type="checkbox" name="popup" checked=${f.popup} onChange=${checked('popup')} /> ${t('rules.popup')}</label>
      <label><input type="checkbox" name="mqtt" checked=${f.mqtt} onChange=${checked('mqtt')} /> ${t('rules.mqtt')}</label>
      ${choices.webhooks.map((o) => html`<label><input type="checkbox" name="webhooks" value=${o.value} checked=${f.webhooks.includes(o.value)} onChange=${(e) => set('webhooks')(e.target.checked ? [...f.webhooks, o.value] : f.webhooks.filter((x) => x !== o.value))} /> ${t('rules.webhook', { id: o.label })}</label>`)}
      <${FieldError} field="webhooks" error=${error} /></fieldset>
    <div class="row"><button class="primary" type="submit" id="rule-save">${t('common.save')}</button><button type="button" id="rule-cancel" onClick=${onCancel}>${t('rules.cancel')}</button></div>
  </form>`;
}

/** A rule's versions, oldest first: who changed it when, and what it said then. */
function RuleHistory({ id }) {
  const { t, lang } = useCtx();
  const versions = useLoad(async () => (await api('GET', `/api/alert-rules/${encodeURIComponent(id)}/versions`)).versions, [id]);
  return html`<div class="card" id="rule-history" data-rule=${id}><h3>${t('rules.history', { id })}</h3>
    <${ErrorLine} error=${versions.error} />
    ${versions.data ? html`<table><thead><tr><th>${t('rules.version')}</th><th>${t('alert.time')}</th><th>${t('rules.by')}</th><th>${t('rules.definition')}</th><th>${t('rules.changed')}</th></tr></thead><tbody>
      ${versions.data.map((v, i) => html`<tr data-version=${v.version}><td>v${v.version}</td><td>${dateTime(v.at, lang)}</td><td>${v.username ?? '—'}</td>
        <td>${v.definition ? summary(v.definition, t) : html`<i>${t('rules.deleted')}</i>`}</td><td class="changed">${i > 0 ? changed(versions.data[i - 1].definition, v.definition).join(', ') : ''}</td></tr>`)}
    </tbody></table>` : html`<p class="meta">${t('common.loading')}</p>`}</div>`;
}

/** The fields one version changed from the one before (a deletion or re-creation changes none of them). */
function changed(before, after) {
  if (!before || !after) return [];
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/** One line for a rule definition (the history's "what it said then"). */
function summary(d, t) {
  return [t(`trigger.${d.trigger}`), t(`severity.${d.severity}`), d.enabled ? t('rules.on') : t('rules.off'), d.name].join(' · ');
}

/** The rules section of the alerts page: staff read, admins create and edit. */
export function AlertRules() {
  const { t, me } = useCtx();
  const admin = me.role === 'admin';
  const [editing, setEditing] = useState(null); // null: no form; 'new'; or a rule
  const [history, setHistory] = useState(null);
  const [savedMsg, setSavedMsg] = useState('');
  const data = useLoad(async () => {
    const [rules, lists, periods, zones, terminals, hooks] = await Promise.all([
      api('GET', '/api/alert-rules'),
      api('GET', '/api/alert-lists'),
      api('GET', '/api/alert-periods'),
      api('GET', '/api/zones'),
      api('GET', '/api/terminals'),
      admin ? api('GET', '/api/webhooks') : Promise.resolve({ endpoints: [] }),
    ]);
    return { rules: rules.rules, lists: lists.lists, periods: periods.periods, zones: zones.zones, terminals: terminals.terminals, webhooks: hooks.endpoints };
  }, []);
  const d = data.data;
  const names = d && {
    list: (id) => d.lists.find((l) => l.id === id)?.name ?? id,
    period: (id) => d.periods.find((p) => p.id === id)?.name ?? id,
    zone: (id) => zonePath(d.zones, id) || String(id),
  };
  const choices = d && {
    lists: d.lists.map((l) => ({ value: l.id, label: l.name })),
    periods: d.periods.map((p) => ({ value: p.id, label: p.name })),
    zones: d.zones.map((z) => ({ value: z.id, label: zonePath(d.zones, z.id) })),
    terminals: d.terminals.map((x) => ({ value: x.id, label: x.name ? `${x.name} (${x.id})` : x.id })),
    webhooks: d.webhooks.map((w) => ({ value: w.id, label: w.id })),
  };
  const saved = (r) => {
    setEditing(null);
    setSavedMsg(t('rules.saved', { id: r.id, version: r.version }));
    if (history === r.id) setHistory(null);
    data.reload();
  };
  const open = (what) => {
    setSavedMsg('');
    setEditing(what);
  };
  const actions = (a) => [a.popup ? t('rules.popup') : null, a.mqtt ? 'MQTT' : null, ...a.webhooks.map((w) => t('rules.webhook', { id: w }))].filter(Boolean).join(', ') || '—';
  return html`<section id="alert-rules"><h2>${t('rules.title')}</h2>
    <${ErrorLine} error=${data.error} />
    ${d ? html`<table id="rule-table"><thead><tr><th>${t('rules.name')}</th><th>${t('alert.trigger')}</th><th>${t('rules.lists')}</th><th>${t('rules.where')}</th><th>${t('rules.periods')}</th>
        <th>${t('alert.severity')}</th><th>${t('rules.actions')}</th><th>${t('rules.enabled')}</th><th>${t('rules.version')}</th><th></th></tr></thead><tbody>
      ${d.rules.map((r) => html`<tr data-rule=${r.id} data-version=${r.version}>
        <td>${r.name} <span class="meta">${r.id}</span></td><td>${t(`trigger.${r.trigger}`)}${r.absenceHours ? ` (${t('rules.hours', { n: r.absenceHours })})` : ''}${r.offlineMinutes ? ` (${t('rules.minutes', { n: r.offlineMinutes })})` : ''}</td>
        <td>${r.lists.map(names.list).join(', ') || '—'}</td>
        <td>${[...r.zones.map(names.zone), ...r.terminals].join(', ') || t('rules.everywhere')}</td>
        <td>${r.periods.map(names.period).join(', ') || t('rules.always')}</td>
        <td><span class=${`sev ${r.severity}`}>${t(`severity.${r.severity}`)}</span></td><td>${actions(r.actions)}</td>
        <td>${r.enabled ? t('rules.on') : t('rules.off')}</td><td>v${r.version}</td>
        <td class="row">${admin ? html`<button class="small" data-edit=${r.id} onClick=${() => open(r)}>${t('rules.edit')}</button>` : null}
          <button class="small" data-history=${r.id} onClick=${() => setHistory(history === r.id ? null : r.id)}>${t('rules.versions')}</button></td></tr>`)}
    </tbody></table>
    ${d.rules.length === 0 ? html`<p class="meta" id="rules-empty">${t('rules.none')}</p>` : null}
    <p class="msg ok" id="rule-saved">${savedMsg}</p>
    ${admin && !editing ? html`<div class="row"><button id="rule-new" onClick=${() => open('new')}>${t('rules.new')}</button></div>` : null}
    ${editing ? html`<${RuleForm} key=${editing === 'new' ? 'new' : `${editing.id}@${editing.version}`} initial=${editing === 'new' ? null : editing} choices=${choices} onSaved=${saved} onCancel=${() => setEditing(null)} />` : null}
    ${history ? html`<${RuleHistory} key=${`${history}@${d.rules.find((r) => r.id === history)?.version}`} id=${history} />` : null}` : html`<p class="meta">${t('common.loading')}</p>`}
  </section>`;
}
