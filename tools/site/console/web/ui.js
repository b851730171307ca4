// Shared pieces of the console's views: htm bound to preact, the translator context,
// a data-loading hook, a Chart.js hook and formatting.
import { createContext, h } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { Chart, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip, Title } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip, Title);
export const html = htm.bind(h);

/** { t, lang, me, paths }: the translator, the language, who is logged in, the API paths the server has. */
export const Ctx = createContext(null);
export const useCtx = () => useContext(Ctx);

/** Loads `fn()` when `deps` change: { data, error, reload }. */
export function useLoad(fn, deps) {
  const [state, setState] = useState({ data: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    fn().then(
      (data) => live && setState({ data, error: null }),
      (error) => live && setState({ data: null, error }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

/**
 * A form's fields and its status line. `set(name)` is a field's input handler;
 * `submitWith(send)` the form's submit handler: it runs `send()`, shows the message
 * it resolves to and empties the form (to `blank`), or shows the server's refusal and
 * keeps what was typed.
 */
export function useForm(blank) {
  const [f, setF] = useState(blank);
  const [msg, setMsg] = useState({ ok: true, text: '' });
  // From the latest state: two inputs in one tick must not undo each other.
  const set = (k) => (e) => setF((prev) => ({ ...prev, [k]: e.target.value }));
  const submitWith = (send) => async (e) => {
    e.preventDefault();
    try {
      setMsg({ ok: true, text: await send() });
      setF(blank);
    } catch (err) {
      setMsg({ ok: false, text: err.message });
    }
  };
  return { f, set, msg, submitWith };
}

/** A text field as the API takes an optional one: trimmed, or null when empty. */
export const optionalText = (v) => (v.trim() ? v.trim() : null);

/** The status line under a form (useForm's `msg`). */
export function FormMessage({ id, msg }) {
  return html`<div class=${`msg ${msg.ok ? 'ok' : 'err'}`} id=${id} role="status">${msg.text}</div>`;
}

export function ErrorLine({ error }) {
  const { t } = useCtx();
  return error ? html`<p class="msg err" role="alert">${t('common.error', { message: error.message })}</p>` : null;
}

/** A Chart.js chart on a canvas, updated in place when `data` changes. */
export function BarChart({ id, title, labels, datasets, stacked = true }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = new Chart(canvas.current, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { title: { display: true, text: title }, legend: { position: 'bottom' } },
        scales: { x: { stacked }, y: { stacked, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    return () => chart.current.destroy();
  }, []);
  useEffect(() => {
    const c = chart.current;
    c.options.plugins.title.text = title;
    c.data.labels = labels;
    c.data.datasets = datasets;
    c.update('none');
  }, [title, JSON.stringify(labels), JSON.stringify(datasets)]);
  return html`<div class="chart" id=${id}><canvas ref=${canvas}></canvas></div>`;
}

export const COLOURS = ['#3b6fd8', '#1b873f', '#b26a00', '#8e44ad', '#c62828', '#00838f', '#6d4c41'];

export const time = (ts, lang) => new Date(ts).toLocaleTimeString(lang);
export const dateTime = (ts, lang) => new Date(ts).toLocaleString(lang);
/** `YYYY-MM-DD` of a local day. */
export const dayOf = (d = new Date()) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
/** `YYYY-MM-DDTHH:mm` for a datetime-local input. */
export const localInput = (ms) => {
  const d = new Date(ms);
  return `${dayOf(d)}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
};

/** The zone tree as nested nodes, parents before children. */
export function zoneTree(zones) {
  const nodes = new Map(zones.map((z) => [z.id, { ...z, children: [] }]));
  const roots = [];
  for (const n of nodes.values()) (n.parentId !== null && nodes.has(n.parentId) ? nodes.get(n.parentId).children : roots).push(n);
  return roots;
}

/** "Maple Court / North compound / Building 1" for a zone id. */
export function zonePath(zones, id) {
  const byId = new Map(zones.map((z) => [z.id, z]));
  const z = byId.get(id);
  if (!z) return '';
  return z.path.split('/').filter(Boolean).map((i) => byId.get(Number(i))?.name ?? i).join(' / ');
}

/** What an event is, in words: granted / denied (and why) or its type. */
export function eventWords(e, t) {
  if (e.result === 'granted') return t('rec.granted');
  if (e.result === 'denied') return `${t('rec.denied')}${e.reason ? ` (${t(`reason.${e.reason}`) === `reason.${e.reason}` ? e.reason : t(`reason.${e.reason}`)})` : ''}`;
  return e.type;
}
