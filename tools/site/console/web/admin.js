// For admins: staff accounts and the audit log (newest first, paged by id).
import { useState } from 'preact/hooks';
import { api, query } from './api.js';
import { dateTime, ErrorLine, html, useCtx, useLoad } from './ui.js';

const ROLES = ['admin', 'guard', 'registrar', 'inspector', 'viewer'];

export function Staff() {
  const { t } = useCtx();
  const list = useLoad(() => api('GET', '/api/staff'), []);
  const [f, setF] = useState({ username: '', role: 'guard', password: '' });
  const [msg, setMsg] = useState({ ok: true, text: '' });
  const submit = async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/api/staff', f);
      setMsg({ ok: true, text: t('staff.added', { username: f.username }) });
      setF({ username: '', role: 'guard', password: '' });
      list.reload();
    } catch (err) {
      setMsg({ ok: false, text: err.message });
    }
  };
  return html`<section id="staff"><h2>${t('staff.title')}</h2><${ErrorLine} error=${list.error} />
    <table><thead><tr><th>${t('staff.username')}</th><th>${t('staff.role')}</th><th></th></tr></thead><tbody>
      ${(list.data?.staff ?? []).map((s) => html`<tr data-staff=${s.username}><td>${s.username}</td><td>${s.role}</td><td>${s.disabled ? t('staff.disabled') : ''}</td></tr>`)}
    </tbody></table>
    <form id="add-staff" class="card" onSubmit=${submit}><h3>${t('staff.add')}</h3>
      <div class="row"><input type="text" name="username" placeholder=${t('staff.username')} value=${f.username} onInput=${(e) => setF((prev) => ({ ...prev, username: e.target.value }))} required minlength="2" maxlength="64" />
        <select name="role" value=${f.role} onChange=${(e) => setF((prev) => ({ ...prev, role: e.target.value }))}>${ROLES.map((r) => html`<option value=${r}>${r}</option>`)}</select></div>
      <div class="row"><input type="password" name="password" placeholder=${t('staff.password')} value=${f.password} onInput=${(e) => setF((prev) => ({ ...prev, password: e.target.value }))} required minlength="10" autocomplete="new-password" />
        <button class="primary" type="submit">${t('common.add')}</button></div>
      <div class=${`msg ${msg.ok ? 'ok' : 'err'}`}>${msg.text}</div></form></section>`;
}

export function Audit() {
  const { t, lang } = useCtx();
  const [pages, setPages] = useState([]);
  const first = useLoad(() => api('GET', `/api/audit${query({ limit: 100 })}`), []);
  const entries = [...(first.data?.entries ?? []), ...pages];
  const more = async () => {
    const before = entries[entries.length - 1]?.id;
    const r = await api('GET', `/api/audit${query({ limit: 100, before })}`);
    setPages([...pages, ...r.entries]);
  };
  return html`<section id="audit"><h2>${t('audit.title')}</h2><${ErrorLine} error=${first.error} />
    <table><thead><tr><th>${t('audit.at')}</th><th>${t('audit.who')}</th><th>${t('audit.action')}</th><th>${t('audit.subject')}</th><th>${t('audit.from')}</th></tr></thead><tbody>
      ${entries.map((a) => html`<tr data-action=${a.action}><td>${dateTime(a.at, lang)}</td><td>${a.username ?? ''}</td><td>${a.action}</td><td>${a.subject ?? ''}</td><td>${a.ip ?? ''}</td></tr>`)}
    </tbody></table>
    ${entries.length && entries.length % 100 === 0 ? html`<button onClick=${more}>${t('common.more')}</button>` : null}</section>`;
}
