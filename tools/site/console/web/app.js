// The site console: preact + htm views over the site server's API (and nothing else).
// Log in, then a page per job, chosen by the URL's hash (#/records, #/trajectory/alice).
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, onUnauthorised, setCsrf } from './api.js';
import { initialLang, translator } from './i18n.js';
import { Audit, Staff } from './admin.js';
import { ALERT_READERS, Alerts } from './alerts.js';
import { Dashboard } from './dashboard.js';
import { Records, Trajectory } from './records.js';
import { Residents } from './residents.js';
import { Ctx, html } from './ui.js';
import { Visitors } from './visitors.js';
import { Inspect } from './inspect.js';
import { Inspections } from './inspections.js';
import { Review } from './review.js';
import { Vehicles } from './vehicles.js';

const READERS = ['admin', 'registrar', 'guard', 'inspector'];
const PAGES = [
  { id: 'dashboard', roles: null },
  { id: 'residents', roles: READERS },
  { id: 'visitors', roles: ['admin', 'registrar', 'guard'] },
  { id: 'alerts', roles: ALERT_READERS },
  { id: 'records', roles: READERS },
  { id: 'trajectory', roles: READERS },
  { id: 'inspections', roles: ['admin', 'registrar', 'guard'] },
  { id: 'review', roles: ['admin', 'registrar'] },
  { id: 'vehicles', roles: READERS },
  { id: 'staff', roles: ['admin'] },
  { id: 'audit', roles: ['admin'] },
];

/** `/inspect`: the inspector's phone page, served from the same app. */
const PHONE = location.pathname === '/inspect';
if (PHONE) document.body.classList.add('phone');

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const [page = 'dashboard', arg] = hash.replace(/^#\/?/, '').split('/');
  return { page, arg: arg === undefined ? undefined : decodeURIComponent(arg) };
}

function Login({ t, onLogin }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    try {
      onLogin(await api('POST', '/api/login', { username, password }));
    } catch (err) {
      setError(err.status === 401 ? t('login.failed') : err.message);
    }
  };
  return html`<form id="login" class="card login" onSubmit=${submit}><h2>${t('login.title')}</h2>
    <label>${t('login.username')}<input type="text" name="username" autocomplete="username" value=${username} onInput=${(e) => setUsername(e.target.value)} required /></label>
    <label>${t('login.password')}<input type="password" name="password" autocomplete="current-password" value=${password} onInput=${(e) => setPassword(e.target.value)} required /></label>
    <button class="primary" type="submit">${t('login.submit')}</button>
    <div class="msg err" id="login-msg" role="alert">${error}</div></form>`;
}

function App() {
  const [lang, setLang] = useState(initialLang());
  const [me, setMe] = useState(undefined); // undefined: asking; null: logged out
  const [paths, setPaths] = useState(new Set());
  const t = useMemo(() => translator(lang), [lang]);
  const { page, arg } = useHash();
  const signedIn = (m) => {
    setCsrf(m.csrfToken);
    setMe({ username: m.username, role: m.role });
  };
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t('app.title');
    localStorage.setItem('limen.lang', lang);
  }, [lang]);
  useEffect(() => {
    api('GET', '/api/me').then(signedIn, () => setMe(null));
    // Which APIs this server has: views of features still to land stay hidden.
    fetch('/api/openapi.json').then((r) => r.json()).then((doc) => setPaths(new Set(Object.keys(doc.paths ?? {}))), () => {});
    return onUnauthorised(() => setMe(null));
  }, []);
  const logout = async () => {
    await api('POST', '/api/logout').catch(() => {});
    setCsrf(null);
    setMe(null);
  };
  const other = lang === 'en' ? 'zh-CN' : 'en';
  const header = html`<header><h1>${t('app.title')}</h1>
    ${me && !PHONE ? html`<nav>${PAGES.filter((p) => !p.roles || p.roles.includes(me.role)).map((p) => html`<a href=${`#/${p.id}`} class=${page === p.id ? 'sel' : ''} data-page=${p.id}>${t(`nav.${p.id}`)}</a>`)}</nav>` : html`<nav></nav>`}
    <span class="who">${me ? html`<span id="whoami">${me.username} (${me.role})</span> <button class="link" id="logout" onClick=${logout}>${t('nav.logout')}</button>` : null}
      <button class="link" id="lang" onClick=${() => setLang(other)}>${t('lang.other')}</button></span></header>`;
  if (me === undefined) return header;
  if (me === null) return html`${header}<main><${Login} t=${t} onLogin=${signedIn} /></main>`;
  // The inspector's phone page: the same login, one view, no console pages.
  if (PHONE) return html`<${Ctx.Provider} value=${{ t, lang, me, paths }}>${header}<main data-view="inspect">${me.role === 'inspector' ? html`<${Inspect} />` : html`<p class="msg err">${t('insp.inspectorsOnly')}</p>`}</main></${Ctx.Provider}>`;
  const allowed = PAGES.find((p) => p.id === page && (!p.roles || p.roles.includes(me.role)))?.id ?? 'dashboard';
  const view = {
    dashboard: () => html`<${Dashboard} />`,
    residents: () => html`<${Residents} />`,
    visitors: () => html`<${Visitors} />`,
    alerts: () => html`<${Alerts} />`,
    records: () => html`<${Records} initial=${arg ? { personId: arg } : {}} />`,
    trajectory: () => html`<${Trajectory} key=${arg ?? ''} person=${arg} />`,
    inspections: () => html`<${Inspections} />`,
    review: () => html`<${Review} />`,
    vehicles: () => html`<${Vehicles} />`,
    staff: () => html`<${Staff} />`,
    audit: () => html`<${Audit} />`,
  }[allowed];
  return html`<${Ctx.Provider} value=${{ t, lang, me, paths }}>${header}<main data-view=${allowed}>${view()}</main></${Ctx.Provider}>`;
}

render(html`<${App} />`, document.getElementById('app'));
