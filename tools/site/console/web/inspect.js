// The inspector's phone page (`/inspect`): their units with the overdue ones flagged;
// scan a unit's card with the phone camera (jsQR on the video frames) or, where the
// camera is not available, from a photo of the card; then record the visit: residents
// seen, who moved out, new occupants (name, ID number, photo with consent). The server
// checks the card again and stamps the visit with its own clock.
import jsQR from 'jsqr';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';
import { dateTime, html, useCtx, useLoad } from './ui.js';

/** Longest side a photo is decoded at: a card photographed from arm's length stays readable. */
const DECODE_MAX_SIDE = 1600;
/** Longest side of an occupant's photo as sent: enough to recognise, small enough for a phone link. */
const PHOTO_MAX_SIDE = 640;
const SCAN_INTERVAL_MS = 150;

function canvasOf(source, width, height, maxSide) {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const c = document.createElement('canvas');
  c.width = Math.round(width * scale);
  c.height = Math.round(height * scale);
  c.getContext('2d', { willReadFrequently: true }).drawImage(source, 0, 0, c.width, c.height);
  return c;
}

/** The text of the QR code in a picture (a video frame, a photo), or null. */
function decode(source, width, height) {
  const c = canvasOf(source, width, height, DECODE_MAX_SIDE);
  const img = c.getContext('2d').getImageData(0, 0, c.width, c.height);
  return jsQR(img.data, img.width, img.height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
}

/** The camera, looking for a QR code until one is found; a photo of the card as the fallback. */
function Scanner({ onToken, onCancel }) {
  const { t } = useCtx();
  const video = useRef(null);
  const [camera, setCamera] = useState('starting'); // starting | on | unavailable
  const [fileMsg, setFileMsg] = useState('');
  useEffect(() => {
    let stream = null;
    let timer = 0;
    let live = true;
    const look = () => {
      const v = video.current;
      if (!live || !v) return;
      if (v.videoWidth) {
        const token = decode(v, v.videoWidth, v.videoHeight);
        if (token) return onToken(token);
      }
      timer = setTimeout(look, SCAN_INTERVAL_MS);
    };
    (async () => {
      try {
        if (!navigator.mediaDevices?.getUserMedia) throw new Error('no camera API');
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment', width: { ideal: 1280 } }, audio: false });
        if (!live) return;
        video.current.srcObject = stream;
        await video.current.play();
        setCamera('on');
        look();
      } catch {
        if (live) setCamera('unavailable');
      }
    })();
    return () => {
      live = false;
      clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  }, []);
  const fromFile = async (e) => {
    const f = e.target.files[0];
    e.target.value = '';
    if (!f) return;
    setFileMsg('');
    try {
      const bitmap = await createImageBitmap(f);
      const token = decode(bitmap, bitmap.width, bitmap.height);
      bitmap.close();
      if (token) onToken(token);
      else setFileMsg(t('insp.noQr'));
    } catch {
      setFileMsg(t('insp.badPhoto'));
    }
  };
  return html`<section id="scanner" data-camera=${camera}>
    <video ref=${video} class="scan-video" hidden=${camera !== 'on'} muted playsinline></video>
    <p class="meta">${camera === 'on' ? t('insp.pointCamera') : camera === 'unavailable' ? t('insp.noCamera') : t('common.loading')}</p>
    <label class="button wide">${t('insp.photo')}<input type="file" id="scan-file" accept="image/*" capture="environment" hidden onChange=${fromFile} /></label>
    <div class="msg err" role="alert">${fileMsg}</div>
    <button type="button" class="wide" onClick=${onCancel}>${t('insp.cancel')}</button>
  </section>`;
}

/** A photo from the phone, made small (JPEG, longest side PHOTO_MAX_SIDE) before it is sent. */
async function smallPhoto(file) {
  const bitmap = await createImageBitmap(file);
  const c = canvasOf(bitmap, bitmap.width, bitmap.height, PHOTO_MAX_SIDE);
  bitmap.close();
  return { mime: 'image/jpeg', data: c.toDataURL('image/jpeg', 0.8).split(',')[1] };
}

function NewOccupant({ n, value, onChange, onRemove }) {
  const { t } = useCtx();
  const set = (k) => (e) => onChange({ ...value, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const photo = async (e) => {
    const f = e.target.files[0];
    if (f) onChange({ ...value, photo: await smallPhoto(f) });
  };
  return html`<fieldset class="occupant" data-occupant=${n}><legend>${t('insp.newOccupant', { n: n + 1 })}</legend>
    <label>${t('vis.name')}<input type="text" name="name" value=${value.name} onInput=${set('name')} required maxlength="80" /></label>
    <label>${t('vis.idNumber')}<input type="text" name="idNumber" value=${value.idNumber} onInput=${set('idNumber')} minlength="4" maxlength="40" autocomplete="off" inputmode="text" /></label>
    <label>${t('insp.takePhoto')}<input type="file" name="photo" accept="image/*" capture="user" onChange=${photo} /></label>
    ${value.photo ? html`<img class="shot" alt="" src=${`data:${value.photo.mime};base64,${value.photo.data}`} />` : null}
    <label class="check"><input type="checkbox" name="consent" checked=${value.consent} onChange=${set('consent')} /> ${t('insp.consent')}</label>
    <button type="button" class="small" onClick=${onRemove}>${t('insp.remove')}</button></fieldset>`;
}

function VisitForm({ record, onDone, onCancel }) {
  const { t } = useCtx();
  const { unit, residents, token } = record;
  const [seen, setSeen] = useState(() => new Set(residents.map((r) => r.personId)));
  const [gone, setGone] = useState(() => new Set());
  const [added, setAdded] = useState([]);
  const [msg, setMsg] = useState(null);
  const toggle = (set, setter, id) => {
    const next = new Set(set);
    next.has(id) ? next.delete(id) : next.add(id);
    setter(next);
  };
  const submit = async (e) => {
    e.preventDefault();
    if (added.some((o) => o.photo && !o.consent)) return setMsg({ code: 'CONSENT', message: t('insp.needConsent') });
    try {
      const r = await api('POST', '/api/inspect/visits', {
        token,
        unitId: unit.id,
        confirmed: [...seen].filter((id) => !gone.has(id)),
        departed: [...gone],
        newOccupants: added.map((o) => ({ name: o.name.trim(), idNumber: o.idNumber.trim() || null, photo: o.photo, consent: o.consent })),
      });
      onDone(r);
    } catch (err) {
      setMsg({ code: err.code, message: cardWords(t, err) });
    }
  };
  return html`<form id="visit-form" data-unit=${unit.id} onSubmit=${submit}>
    <section><h2>${unit.label}</h2><p>${unit.address}</p>
      <p class="meta">${t('insp.landlord')}: ${unit.landlord ?? '—'} ${unit.landlordPhone ?? ''}</p></section>
    <section><h2>${t('insp.residents')}</h2>
      ${residents.length === 0 ? html`<p class="meta">${t('insp.noResidents')}</p>` : null}
      <ul class="residents">${residents.map((r) => html`<li data-person=${r.personId}>
        <label class="check"><input type="checkbox" name="seen" checked=${seen.has(r.personId) && !gone.has(r.personId)} disabled=${gone.has(r.personId)} onChange=${() => toggle(seen, setSeen, r.personId)} /> ${r.name} <span class="meta">${r.idNumberMasked ?? ''}</span></label>
        <label class="check gone"><input type="checkbox" name="departed" checked=${gone.has(r.personId)} onChange=${() => toggle(gone, setGone, r.personId)} /> ${t('insp.movedOut')}</label></li>`)}</ul></section>
    <section><h2>${t('insp.newOccupants')}</h2>
      ${added.map((o, i) => html`<${NewOccupant} key=${i} n=${i} value=${o} onChange=${(v) => setAdded(added.map((x, j) => (j === i ? v : x)))} onRemove=${() => setAdded(added.filter((_, j) => j !== i))} />`)}
      <button type="button" id="add-occupant" class="wide" onClick=${() => setAdded([...added, { name: '', idNumber: '', photo: null, consent: false }])}>${t('insp.addOccupant')}</button></section>
    <div class="msg err" id="visit-msg" role="alert" data-code=${msg?.code ?? ''}>${msg?.message ?? ''}</div>
    <button class="primary wide" type="submit">${t('insp.record')}</button>
    <button type="button" class="wide" onClick=${onCancel}>${t('insp.cancel')}</button></form>`;
}

/** A refused card (or any error) in plain words: the code's own sentence where there is one. */
function cardWords(t, err) {
  const key = `card.${err.code}`;
  const words = t(key);
  return words === key ? err.message : words;
}

export function Inspect() {
  const { t, lang } = useCtx();
  const mine = useLoad(() => api('GET', '/api/inspect/units'), []);
  const [mode, setMode] = useState('list'); // list | scan | visit
  const [expect, setExpect] = useState(null); // a unit chosen from the list: the card must be its own
  const [record, setRecord] = useState(null);
  const [refusal, setRefusal] = useState(null);
  const [done, setDone] = useState('');
  const scan = (unit) => {
    setExpect(unit);
    setRefusal(null);
    setDone('');
    setMode('scan');
  };
  const onToken = async (token) => {
    try {
      const r = await api('POST', '/api/inspect/scan', { token, ...(expect && { unitId: expect.unitId }) });
      setRecord({ ...r, token });
      setMode('visit');
    } catch (err) {
      setRefusal({ code: err.code, message: cardWords(t, err) });
      setMode('list');
    }
  };
  const recorded = (r) => {
    setDone(t('insp.recorded', { unit: r.visit.unitLabel, at: dateTime(Date.parse(r.visit.at), lang) }));
    setRecord(null);
    setExpect(null);
    setMode('list');
    mine.reload();
  };
  const back = () => {
    setRecord(null);
    setExpect(null);
    setMode('list');
  };
  const units = mine.data?.units ?? [];
  const overdue = units.filter((u) => u.overdue).length;
  return html`<div id="inspect" data-mode=${mode}>
    ${refusal ? html`<div class="card refusal" id="scan-error" role="alert" data-code=${refusal.code}><strong>${t('insp.refused')}</strong><p>${refusal.message}</p></div>` : null}
    ${done ? html`<div class="msg ok" id="visit-done" role="status">${done}</div>` : null}
    ${mode === 'scan' ? html`<h2>${expect ? t('insp.scanFor', { unit: expect.label }) : t('insp.scanAny')}</h2><${Scanner} onToken=${onToken} onCancel=${back} />` : null}
    ${mode === 'visit' ? html`<${VisitForm} record=${record} onDone=${recorded} onCancel=${back} />` : null}
    ${mode === 'list' ? html`<button class="primary wide" id="scan" onClick=${() => scan(null)}>${t('insp.scan')}</button>
      <section><h2>${t('insp.myUnits')} ${overdue ? html`<span class="pill bad" id="overdue-count">${t('insp.overdueCount', { n: overdue })}</span>` : null}</h2>
        ${mine.error ? html`<p class="msg err">${mine.error.message}</p>` : null}
        ${mine.data && units.length === 0 ? html`<p class="meta">${t('insp.noUnits')}</p>` : null}
        <ul class="my-units" id="my-units">${units.map((u) => html`<li data-unit=${u.unitId} data-overdue=${String(u.overdue)}>
          <button type="button" class=${u.overdue ? 'unit-row overdue' : 'unit-row'} onClick=${() => scan(u)}>
            <strong>${u.label}</strong> ${u.overdue ? html`<span class="pill bad">${t('insp.overdue')}</span>` : null}
            <span class="meta">${u.lastVisitAt ? t('insp.lastVisit', { at: dateTime(Date.parse(u.lastVisitAt), lang) }) : t('insp.neverVisited')} · ${t('insp.due', { at: dateTime(Date.parse(u.dueAt), lang) })}</span>
          </button></li>`)}</ul></section>` : null}
  </div>`;
}
