// The console page: preact + htm for the views, Chart.js for the charts. It talks to
// the console server only (which talks to the fleet through the SDK).
import { h, render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { Chart, BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Legend, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Legend, Tooltip);
const html = htm.bind(h);

const REASONS = {
  'unknown-credential': 'unknown card', stranger: 'face not recognised', 'spoof-suspected': 'liveness failed',
  'no-access-group': 'no access here', 'outside-schedule': 'outside schedule', 'credential-disabled': 'card disabled',
  'person-disabled': 'access disabled', 'no-face-consent': 'no face consent', 'malformed-credential': 'unreadable card',
};
const isAlert = (e) => e.type.startsWith('alarm.') || e.type.startsWith('fire.') || e.type.startsWith('tamper');
const time = (ts) => new Date(ts).toLocaleTimeString();

async function api(method, path, body) {
  const res = await fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json();
  // The server's message is written for the person at the console; the code is for programs.
  if (!res.ok) throw new Error(data.error?.message ?? `request failed (${res.status})`);
  return data;
}

function useFleet() {
  const [state, setState] = useState({ site: '', terminals: [], events: [], persons: [], connected: false });
  useEffect(() => {
    let ws;
    let stopped = false;
    const connect = () => {
      ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/ws');
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        setState((s) => {
          if (m.type === 'snapshot') return { site: m.site, terminals: m.terminals, events: m.events, persons: m.persons, connected: true };
          if (m.type === 'terminal') return { ...s, terminals: [...s.terminals.filter((t) => t.id !== m.terminal.id), m.terminal] };
          if (m.type === 'event') return { ...s, events: [...s.events.slice(-1999), m.event] };
          if (m.type === 'persons') return { ...s, persons: m.persons };
          return s;
        });
      };
      ws.onclose = () => { setState((s) => ({ ...s, connected: false })); if (!stopped) setTimeout(connect, 1000); };
    };
    connect();
    return () => { stopped = true; ws?.close(); };
  }, []);
  return state;
}

function Terminals({ terminals }) {
  const [msg, setMsg] = useState('');
  const zones = new Map();
  for (const t of [...terminals].sort((a, b) => a.id.localeCompare(b.id))) zones.set(t.zone, [...(zones.get(t.zone) ?? []), t]);
  const unlock = async (id) => {
    try { await api('POST', `/api/terminals/${encodeURIComponent(id)}/unlock`, { durationMs: 5000 }); setMsg(`${id} unlocked for 5 s`); }
    catch (err) { setMsg(err.message); }
  };
  return html`<section><h2>Terminals</h2>
    ${[...zones].map(([zone, list]) => html`<h3>${zone}</h3>${list.map((t) => html`
      <div class="terminal" data-terminal=${t.id}>
        <div><span class=${'dot' + (t.online ? ' on' : '')}></span><b>${t.id}</b> <span class="meta">${t.online ? 'online' : 'offline'} · ${t.board ?? ''} ${t.firmware ?? ''}</span></div>
        <button onClick=${() => unlock(t.id)} disabled=${!t.online}>Unlock</button>
        <div class="meta">${t.health ? `load ${t.health.cpuLoad[0].toFixed(2)} · RSS ${(t.health.memory.processRssBytes / 2 ** 20).toFixed(0)} MB · camera ${t.health.camera ? t.health.camera.fps.toFixed(1) + ' fps' : '—'} · gallery ${t.health.gallery?.size ?? '—'} · outbox ${t.health.outbox.depth}` : 'no health report yet'}</div>
      </div>`)}`)}
    ${terminals.length === 0 ? html`<p class="meta">No terminal has reported yet.</p>` : null}
    <div class="msg" id="unlock-msg">${msg}</div></section>`;
}

function Webcam({ onShot }) {
  const video = useRef(null);
  const [stream, setStream] = useState(null);
  const start = async () => {
    const s = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    setStream(s);
    video.current.srcObject = s;
    await video.current.play();
  };
  const shoot = () => {
    if (!video.current.videoWidth) return; // no picture yet
    const c = document.createElement('canvas');
    c.width = video.current.videoWidth; c.height = video.current.videoHeight;
    c.getContext('2d').drawImage(video.current, 0, 0);
    onShot(c.toDataURL('image/jpeg', 0.9));
    for (const t of stream.getTracks()) t.stop();
    setStream(null);
  };
  return html`<div class="row"><video ref=${video} hidden=${!stream} muted playsinline></video>
    ${stream ? html`<button type="button" onClick=${shoot}>Take photo</button>` : html`<button type="button" onClick=${start}>Use webcam</button>`}</div>`;
}

function Persons({ persons }) {
  const [name, setName] = useState('');
  const [card, setCard] = useState('');
  const [photo, setPhoto] = useState(null); // data URL
  const [consent, setConsent] = useState(false);
  const [msg, setMsg] = useState({ text: '', ok: true });
  const [busy, setBusy] = useState(false);
  const readFile = (e) => {
    const f = e.target.files[0];
    if (!f) return;
    const r = new FileReader();
    r.onload = () => setPhoto(r.result);
    r.readAsDataURL(f);
  };
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      const body = { name, cards: card ? [card] : [], groups: ['residents'], consent };
      if (photo) { const [head, data] = photo.split(','); body.photo = { mime: head.slice(5, head.indexOf(';')), data }; }
      const r = await api('POST', '/api/persons', body);
      const failed = r.results.filter((x) => !x.ok);
      setMsg({ ok: failed.length === 0, text: failed.length ? `enrolled on ${r.results.length - failed.length} terminals; ${failed.map((x) => `not on ${x.terminal}: ${x.error.message}`).join('; ')}` : `${name} enrolled on ${r.results.length} terminals` + (photo ? ` (face on ${r.results.filter((x) => x.face).length})` : '') });
      if (!failed.length) { setName(''); setCard(''); setPhoto(null); setConsent(false); }
    } catch (err) { setMsg({ ok: false, text: err.message }); }
    setBusy(false);
  };
  const remove = async (p) => { try { await api('DELETE', `/api/persons/${encodeURIComponent(p.id)}`); } catch (err) { setMsg({ ok: false, text: err.message }); } };
  const addCard = async (p) => {
    const value = prompt(`Card number for ${p.name}`);
    if (!value) return;
    try { await api('POST', '/api/persons', { id: p.id, name: p.name, groups: p.groups, cards: [...p.cards, value] }); } catch (err) { setMsg({ ok: false, text: err.message }); }
  };
  return html`<section><h2>Persons</h2>
    <form id="enrol" onSubmit=${submit}>
      <div class="row"><input type="text" name="name" placeholder="Name" value=${name} onInput=${(e) => setName(e.target.value)} required /></div>
      <div class="row"><input type="text" name="card" placeholder="Card number (optional)" value=${card} onInput=${(e) => setCard(e.target.value)} /></div>
      <div class="row"><input type="file" name="photo" accept="image/jpeg,image/png,image/webp" onChange=${readFile} /></div>
      <${Webcam} onShot=${setPhoto} />
      ${photo ? html`<div class="row"><img class="shot" src=${photo} alt="photo to enrol" /></div>` : null}
      <div class="row"><label><input type="checkbox" name="consent" checked=${consent} onChange=${(e) => setConsent(e.target.checked)} /> The person agreed to face recognition</label></div>
      <div class="row"><button class="primary" type="submit" disabled=${busy}>${busy ? 'Enrolling…' : 'Enrol'}</button></div>
      <div class=${'msg ' + (msg.ok ? 'ok' : 'err')} id="enrol-msg">${msg.text}</div>
    </form>
    <table><thead><tr><th>Name</th><th>Face</th><th>Cards</th><th></th></tr></thead><tbody>
      ${persons.map((p) => html`<tr data-person=${p.id}><td>${p.name}</td><td>${p.face ? '✔' : ''}</td><td>${p.cards.join(', ')}</td>
        <td><button onClick=${() => addCard(p)}>Add card</button> <button onClick=${() => remove(p)}>Remove</button></td></tr>`)}
    </tbody></table></section>`;
}

function Events({ events }) {
  const recent = events.slice(-60).reverse();
  return html`<section><h2>Live events</h2><table id="events"><thead><tr><th>Time</th><th>Terminal</th><th>Event</th><th>Who</th><th>Reason</th></tr></thead><tbody>
    ${recent.map((e) => html`<tr class=${isAlert(e) ? 'alert' : ''} data-type=${e.type}>
      <td>${time(e.ts)}</td><td>${e.terminal}</td><td class=${e.result ?? ''}>${e.result ?? e.type}</td>
      <td>${e.personName ?? e.personId ?? ''} ${e.credentialType ? html`<span class="meta">(${e.credentialType})</span>` : ''}</td><td>${e.reason && e.result !== 'granted' ? (REASONS[e.reason] ?? e.reason) : ''}</td></tr>`)}
  </tbody></table></section>`;
}

function useChart(config, data) {
  const canvas = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = new Chart(canvas.current, config());
    return () => chart.current.destroy();
  }, []);
  useEffect(() => {
    const c = chart.current;
    c.data.labels = data.labels;
    data.datasets.forEach((d, i) => { c.data.datasets[i].data = d; });
    c.update('none');
  }, [JSON.stringify(data)]);
  return canvas;
}

function Charts({ events }) {
  const decisions = events.filter((e) => e.result);
  const now = Date.now();
  const hours = Array.from({ length: 12 }, (_, i) => now - (11 - i) * 3_600_000);
  const perHour = hours.map((end) => decisions.filter((e) => e.result === 'granted' && e.ts > end - 3_600_000 && e.ts <= end).length);
  const hourLabels = hours.map((t) => new Date(t).getHours() + ':00');
  const granted = decisions.filter((e) => e.result === 'granted').length;
  const terminals = [...new Set(decisions.map((e) => e.terminal))].sort();
  const per = (r) => terminals.map((t) => decisions.filter((e) => e.terminal === t && e.result === r).length);
  const colours = { ok: '#1b873f', bad: '#c62828' };
  const hourly = useChart(() => ({ type: 'bar', data: { labels: [], datasets: [{ label: 'entries', data: [], backgroundColor: '#3b6fd8' }] }, options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false }, title: { display: true, text: 'Entries per hour' } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } }), { labels: hourLabels, datasets: [perHour] });
  const split = useChart(() => ({ type: 'doughnut', data: { labels: ['granted', 'denied'], datasets: [{ data: [], backgroundColor: [colours.ok, colours.bad] }] }, options: { animation: false, maintainAspectRatio: false, plugins: { title: { display: true, text: 'Granted vs denied' } } } }), { labels: ['granted', 'denied'], datasets: [[granted, decisions.length - granted]] });
  const byTerminal = useChart(() => ({ type: 'bar', data: { labels: [], datasets: [{ label: 'granted', data: [], backgroundColor: colours.ok }, { label: 'denied', data: [], backgroundColor: colours.bad }] }, options: { animation: false, maintainAspectRatio: false, plugins: { title: { display: true, text: 'Per terminal' } }, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } } }), { labels: terminals, datasets: [per('granted'), per('denied')] });
  return html`<section><h2>Charts</h2><div class="charts"><div><canvas ref=${hourly}></canvas></div><div><canvas ref=${split}></canvas></div><div><canvas ref=${byTerminal}></canvas></div></div></section>`;
}

function Alerts({ events }) {
  const last = [...events].reverse().find(isAlert);
  const [dismissed, setDismissed] = useState(null);
  if (!last || dismissed === `${last.terminal}/${last.seq}` || Date.now() - last.ts > 60_000) return null;
  return html`<div class="toast" role="alert" onClick=${() => setDismissed(`${last.terminal}/${last.seq}`)}>⚠ ${last.terminal}: ${last.type}</div>`;
}

function App() {
  const s = useFleet();
  return html`<header><h1>Limen fleet console</h1><span id="site">${s.connected ? `site ${s.site}` : 'connecting…'}</span></header>
    <main><div><${Terminals} terminals=${s.terminals} /><${Persons} persons=${s.persons} /></div>
    <div><${Charts} events=${s.events} /><${Events} events=${s.events} /></div></main><${Alerts} events=${s.events} />`;
}

render(html`<${App} />`, document.getElementById('app'));
