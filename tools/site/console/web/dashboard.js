// The dashboard: the zone tree with who is inside and each terminal's status, the live
// events from /api/live, the alert area (new alerts pop up) and two charts.
import { useEffect, useState } from 'preact/hooks';
import { AlertArea } from './alerts.js';
import { api, query } from './api.js';
import { BarChart, COLOURS, ErrorLine, eventWords, html, time, useCtx, useLoad, zonePath, zoneTree } from './ui.js';

const HOUR = 3_600_000;

/** The live socket: events (the newest first, at most 100) and the alerts raised since it opened; reconnects after a drop. */
export function useLive() {
  // updates: per alert id, how many `alert-update` messages came (a snapshot arriving after the alert).
  const [state, setState] = useState({ events: [], alerts: [], updates: {}, connected: false });
  useEffect(() => {
    let ws;
    let stopped = false;
    let retry;
    const connect = () => {
      ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/live`);
      ws.onopen = () => setState((s) => ({ ...s, connected: true }));
      ws.onmessage = (m) => {
        const msg = JSON.parse(m.data);
        if (msg.type === 'event') setState((s) => ({ ...s, events: [msg.event, ...s.events].slice(0, 100) }));
        if (msg.type === 'alert') setState((s) => ({ ...s, alerts: [msg.alert, ...s.alerts] }));
        if (msg.type === 'alert-update') {
          const id = msg.alert.id;
          setState((s) => ({ ...s, alerts: s.alerts.map((a) => (a.id === id ? msg.alert : a)), updates: { ...s.updates, [id]: (s.updates[id] ?? 0) + 1 } }));
        }
      };
      ws.onclose = () => {
        setState((s) => ({ ...s, connected: false }));
        if (!stopped) retry = setTimeout(connect, 2000);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      ws?.close();
    };
  }, []);
  return state;
}

function ZoneNode({ node, terminals, occupancy, unlock }) {
  const { t } = useCtx();
  const here = terminals.filter((x) => x.zoneId === node.id);
  const occ = occupancy.get(node.id);
  return html`<li class="zone" data-zone=${node.id}>
    <div class="zone-head"><b>${node.name}</b> <span class="meta">${t(`kind.${node.kind}`)}</span>
      ${occ ? html` <span class="occ" data-occupancy=${node.id}>${t('dash.inside', occ)}</span>` : null}</div>
    ${here.map((x) => html`<${TerminalRow} terminal=${x} unlock=${unlock} />`)}
    ${node.children.length ? html`<ul>${node.children.map((c) => html`<${ZoneNode} node=${c} terminals=${terminals} occupancy=${occupancy} unlock=${unlock} />`)}</ul>` : null}
  </li>`;
}

function TerminalRow({ terminal: x, unlock }) {
  const { t, me } = useCtx();
  const status = x.online === null ? 'unknown' : x.online ? 'online' : 'offline';
  return html`<div class="terminal" data-terminal=${x.id} data-status=${status}>
    <span class=${`dot ${status}`}></span><b>${x.name ?? x.id}</b>
    <span class="meta">${x.id}${x.role ? ` · ${t(`role.${x.role}`)}` : ''}${x.direction ? ` · ${t(`dir.${x.direction}`)}` : ''} · ${t(`dash.${status}`)}</span>
    ${['admin', 'guard'].includes(me.role) ? html`<button class="small" onClick=${() => unlock(x.id)} disabled=${!x.online}>${t('dash.unlock')}</button>` : null}
    ${clockWarning(x.clockOffsetMs, t)}
  </div>`;
}

/** Beyond 2 s (the terminal refuses requests beyond its skew, 5 s by default) the clock needs attention. */
function clockWarning(offsetMs, t) {
  if (offsetMs === null || offsetMs === undefined || Math.abs(offsetMs) <= 2000) return null;
  // offset = site clock - terminal clock: positive means the terminal's clock is behind.
  const direction = t(offsetMs > 0 ? 'dash.clockBehind' : 'dash.clockAhead');
  return html`<div class="meta sev warning clock-offset">${t('dash.clockOffset', { direction, seconds: Math.round(Math.abs(offsetMs) / 1000) })}</div>`;
}

function EntriesPerHour({ zones, entries }) {
  const { t } = useCtx();
  const now = Date.now();
  const start = Math.floor(now / HOUR) * HOUR - 11 * HOUR;
  const hours = Array.from({ length: 12 }, (_, i) => start + i * HOUR);
  // One series per zone the passages fall in; counts from the server's aggregate (no one's records).
  const names = new Map(zones.map((z) => [z.id, z.name]));
  const series = new Map();
  for (const e of entries) {
    if (e.hour < start) continue;
    const key = e.zoneId ?? -1;
    const counts = series.get(key) ?? hours.map(() => 0);
    counts[Math.min(11, Math.floor((e.hour - start) / HOUR))] += e.count;
    series.set(key, counts);
  }
  const datasets = [...series].map(([id, data], i) => ({ label: names.get(id) ?? t('dash.unplaced'), data, backgroundColor: COLOURS[i % COLOURS.length] }));
  return html`<${BarChart} id="chart-entries" title=${t('chart.perHour')} labels=${hours.map((h) => `${new Date(h).getHours()}:00`)} datasets=${datasets} />`;
}

function VisitorsPerDay({ visitors }) {
  const { t } = useCtx();
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  const days = Array.from({ length: 7 }, (_, i) => today.getTime() - (6 - i) * 24 * HOUR);
  const counts = days.map((d) => visitors.filter((v) => v.expectedFrom < d + 24 * HOUR && v.expectedUntil > d).length);
  return html`<${BarChart} id="chart-visitors" title=${t('chart.visitorsPerDay')} labels=${days.map((d) => new Date(d).toLocaleDateString(undefined, { month: 'numeric', day: 'numeric' }))} datasets=${[{ label: t('nav.visitors'), data: counts, backgroundColor: COLOURS[1] }]} />`;
}

export function Dashboard() {
  const { t, lang, me, paths } = useCtx();
  const live = useLive();
  const [msg, setMsg] = useState('');
  const base = useLoad(async () => {
    const [z, tm, occ] = await Promise.all([
      api('GET', '/api/zones'),
      api('GET', '/api/terminals'),
      paths.has('/api/occupancy') ? api('GET', '/api/occupancy') : Promise.resolve(null),
    ]);
    return { zones: z.zones, terminals: tm.terminals, occupancy: occ ? (occ.zones ?? occ.occupancy ?? []) : [] };
  }, [live.events.length]);
  const charts = useLoad(async () => {
    const start = Math.floor(Date.now() / HOUR) * HOUR - 11 * HOUR;
    const entries = (await api('GET', `/api/stats/entries-per-hour${query({ from: new Date(start).toISOString() })}`)).hours;
    const visitors = paths.has('/api/visitors') ? ((await api('GET', `/api/visitors${query({ from: new Date(Date.now() - 7 * 24 * HOUR).toISOString() })}`)).visitors ?? []) : null;
    return { entries, visitors };
  }, [Math.floor(live.events.filter((e) => e.result === 'granted').length / 1)]);
  const unlock = async (id) => {
    try {
      await api('POST', `/api/terminals/${encodeURIComponent(id)}/unlock`, { durationMs: 5000 });
      setMsg(t('dash.unlocked', { terminal: id }));
    } catch (err) {
      setMsg(err.message);
    }
  };
  const d = base.data;
  const occupancy = new Map((d?.occupancy ?? []).map((o) => [o.zoneId, o]));
  const unplaced = d ? d.terminals.filter((x) => x.zoneId === null) : [];
  return html`<div class="grid">
    <div>
      <${AlertArea} live=${live.alerts} updates=${live.updates} />
      <section id="zones"><h2>${t('dash.zones')}</h2><${ErrorLine} error=${base.error} />
        ${d ? html`<ul class="tree">${zoneTree(d.zones).map((n) => html`<${ZoneNode} node=${n} terminals=${d.terminals} occupancy=${occupancy} unlock=${unlock} />`)}</ul>
          ${unplaced.length ? html`<h3>${t('dash.unplaced')}</h3>${unplaced.map((x) => html`<${TerminalRow} terminal=${x} unlock=${unlock} />`)}` : null}` : html`<p class="meta">${t('common.loading')}</p>`}
        <div class="msg" id="unlock-msg">${msg}</div>
      </section>
    </div>
    <div>
      ${charts.data ? html`<section id="charts"><div class="charts">
        ${d && charts.data ? html`<${EntriesPerHour} zones=${d.zones} entries=${charts.data.entries} />` : null}
        ${charts.data?.visitors ? html`<${VisitorsPerDay} visitors=${charts.data.visitors} />` : null}
      </div></section>` : null}
      <section id="live"><h2>${t('dash.live')} <span class=${`pill ${live.connected ? 'on' : ''}`} id="live-state">${live.connected ? t('dash.live.connected') : t('dash.live.connecting')}</span></h2>
        <table id="events"><thead><tr><th>${t('rec.time')}</th><th>${t('rec.terminal')}</th><th>${t('rec.zone')}</th><th>${t('rec.event')}</th><th>${t('rec.who')}</th></tr></thead><tbody>
          ${live.events.map((e) => html`<tr data-type=${e.type} data-terminal=${e.terminal}><td>${time(e.ts, lang)}</td><td>${e.terminal}</td><td>${d && e.zoneId ? zonePath(d.zones, e.zoneId) : ''}${e.direction ? ` (${t(`dir.${e.direction}`)})` : ''}</td>
            <td class=${e.result ?? ''}>${eventWords(e, t)}</td><td>${e.personId ?? ''}</td></tr>`)}
        </tbody></table>
        ${live.events.length === 0 ? html`<p class="meta">${t('common.none')}</p>` : null}
      </section>
    </div>
  </div>`;
}
