// Residents by unit: the units of each building, who lives in the chosen one with
// their credentials; the property office adds residents, cards and faces (a face only
// with the consent box ticked; the site records the consent, the terminals get it).
import { useRef, useState } from 'preact/hooks';
import { api } from './api.js';
import { ErrorLine, html, useCtx, useLoad, zonePath } from './ui.js';

const KEEPERS = ['admin', 'registrar'];

function Webcam({ onShot }) {
  const { t } = useCtx();
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
    c.width = video.current.videoWidth;
    c.height = video.current.videoHeight;
    c.getContext('2d').drawImage(video.current, 0, 0);
    onShot(c.toDataURL('image/jpeg', 0.9));
    for (const track of stream.getTracks()) track.stop();
    setStream(null);
  };
  return html`<div class="row"><video ref=${video} hidden=${!stream} muted playsinline></video>
    ${stream ? html`<button type="button" onClick=${shoot}>${t('enrol.shoot')}</button>` : html`<button type="button" onClick=${start}>${t('enrol.webcam')}</button>`}</div>`;
}

/** Enrol a face from a photo or the webcam, with consent. */
export function EnrolFace({ person, onDone }) {
  const { t } = useCtx();
  const [photo, setPhoto] = useState(null); // data URL
  const [consent, setConsent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState({ ok: true, text: '' });
  const readFile = (e) => {
    const f = e.target.files[0];
    if (!f) return;
    const r = new FileReader();
    r.onload = () => setPhoto(r.result);
    r.readAsDataURL(f);
  };
  const submit = async (e) => {
    e.preventDefault();
    if (!photo) return;
    setBusy(true);
    try {
      const [head, data] = photo.split(',');
      const r = await api('POST', `/api/persons/${encodeURIComponent(person.id)}/face`, { photo: { mime: head.slice(5, head.indexOf(';')), data }, consent });
      const failed = r.results.filter((x) => !x.ok);
      const ok = r.results.length - failed.length;
      setMsg(
        failed.length
          ? { ok: false, text: t('enrol.partial', { ok, failed: failed.map((x) => t('enrol.notOn', { terminal: x.terminal, message: x.error.message })).join('; ') }) }
          : { ok: true, text: t('enrol.done', { name: person.name, n: ok, faces: r.results.filter((x) => x.face).length }) },
      );
      if (!failed.length) {
        setPhoto(null);
        setConsent(false);
        onDone?.();
      }
    } catch (err) {
      setMsg({ ok: false, text: err.message });
    }
    setBusy(false);
  };
  return html`<form id="enrol" class="card" onSubmit=${submit}>
    <h3>${t('enrol.title', { name: person.name })}</h3>
    <label class="row">${t('enrol.photo')} <input type="file" name="photo" accept="image/jpeg,image/png,image/webp" onChange=${readFile} /></label>
    <${Webcam} onShot=${setPhoto} />
    ${photo ? html`<div class="row"><img class="shot" src=${photo} alt="" /></div>` : null}
    <label class="row"><input type="checkbox" name="consent" checked=${consent} onChange=${(e) => setConsent(e.target.checked)} /> ${t('enrol.consent')}</label>
    <div class="row"><button class="primary" type="submit" disabled=${busy || !photo}>${busy ? t('enrol.busy') : t('enrol.submit')}</button></div>
    <div class=${`msg ${msg.ok ? 'ok' : 'err'}`} id="enrol-msg">${msg.text}</div>
  </form>`;
}

function Person({ id, reload }) {
  const { t, me } = useCtx();
  const p = useLoad(() => api('GET', `/api/persons/${encodeURIComponent(id)}`), [id]);
  const [card, setCard] = useState('');
  const [msg, setMsg] = useState('');
  const [enrolling, setEnrolling] = useState(false);
  if (!p.data) return html`<${ErrorLine} error=${p.error} />`;
  const addCard = async (e) => {
    e.preventDefault();
    try {
      await api('POST', `/api/persons/${encodeURIComponent(id)}/credentials`, { type: 'card', value: card });
      setCard('');
      setMsg('');
      p.reload();
      reload();
    } catch (err) {
      setMsg(err.message);
    }
  };
  const keeper = KEEPERS.includes(me.role);
  return html`<div class="person" data-person=${id}>
    <p>${p.data.credentials.map((c) => html`<span class="pill" data-credential=${c.type}>${c.type}${c.ref && c.type === 'card' ? ` ${c.ref}` : ''}</span> `)}
      <a href=${`#/trajectory/${encodeURIComponent(id)}`}>${t('res.trajectory')}</a></p>
    ${keeper ? html`<form class="row" onSubmit=${addCard}><input type="text" name="card" placeholder=${t('res.card')} value=${card} onInput=${(e) => setCard(e.target.value)} required pattern="[0-9]{1,20}" />
      <button type="submit">${t('res.addCard')}</button> <button type="button" onClick=${() => setEnrolling(!enrolling)}>${t('res.face')}</button> <span class="msg err">${msg}</span></form>` : null}
    ${enrolling ? html`<${EnrolFace} person=${p.data.person} onDone=${() => { p.reload(); }} />` : null}
  </div>`;
}

function AddResident({ unit, onAdded }) {
  const { t } = useCtx();
  const [f, setF] = useState({ name: '', phone: '', role: 'owner', card: '' });
  const [msg, setMsg] = useState({ ok: true, text: '' });
  const set = (k) => (e) => setF((prev) => ({ ...prev, [k]: e.target.value }));
  const submit = async (e) => {
    e.preventDefault();
    try {
      const person = await api('POST', '/api/persons', { name: f.name, ...(f.phone && { phone: f.phone }) });
      await api('POST', `/api/persons/${encodeURIComponent(person.id)}/residencies`, { unitId: unit.id, role: f.role, moveIn: new Date().toISOString() });
      if (f.card) await api('POST', `/api/persons/${encodeURIComponent(person.id)}/credentials`, { type: 'card', value: f.card });
      setMsg({ ok: true, text: t('res.added', { name: f.name, unit: unit.label }) });
      setF({ name: '', phone: '', role: 'owner', card: '' });
      onAdded();
    } catch (err) {
      setMsg({ ok: false, text: err.message });
    }
  };
  return html`<form id="add-resident" class="card" onSubmit=${submit}><h3>${t('res.add')}</h3>
    <div class="row"><input type="text" name="name" placeholder=${t('res.name')} value=${f.name} onInput=${set('name')} required maxlength="100" />
      <input type="text" name="phone" placeholder=${t('res.phone')} value=${f.phone} onInput=${set('phone')} maxlength="32" /></div>
    <div class="row"><select name="role" value=${f.role} onChange=${set('role')}>${['owner', 'tenant', 'family'].map((r) => html`<option value=${r}>${t(`res.${r}`)}</option>`)}</select>
      <input type="text" name="card" placeholder=${t('res.card')} value=${f.card} onInput=${set('card')} pattern="[0-9]{1,20}" />
      <button class="primary" type="submit">${t('common.add')}</button></div>
    <div class=${`msg ${msg.ok ? 'ok' : 'err'}`}>${msg.text}</div></form>`;
}

export function Residents() {
  const { t, lang, me } = useCtx();
  const [unitId, setUnitId] = useState(null);
  const [open, setOpen] = useState(null);
  const base = useLoad(async () => {
    const [u, z] = await Promise.all([api('GET', '/api/units'), api('GET', '/api/zones')]);
    return { units: u.units, zones: z.zones };
  }, []);
  const residents = useLoad(() => (unitId === null ? Promise.resolve(null) : api('GET', `/api/units/${unitId}/residents`)), [unitId]);
  if (!base.data) return html`<section><${ErrorLine} error=${base.error} /></section>`;
  const byBuilding = new Map();
  for (const u of base.data.units) byBuilding.set(u.zoneId, [...(byBuilding.get(u.zoneId) ?? []), u]);
  const r = residents.data;
  return html`<div class="grid narrow-left">
    <section id="units"><h2>${t('res.units')}</h2>
      ${[...byBuilding].map(([zoneId, units]) => html`<h3>${zonePath(base.data.zones, zoneId)}</h3><div class="units">
        ${units.map((u) => html`<button class=${`unit ${u.id === unitId ? 'sel' : ''}`} data-unit=${u.label} onClick=${() => { setUnitId(u.id); setOpen(null); }}>${u.label}</button>`)}</div>`)}
      ${base.data.units.length === 0 ? html`<p class="meta">${t('common.none')}</p>` : null}
    </section>
    <section id="residents">${unitId === null ? html`<p class="meta">${t('res.pick')}</p>` : !r ? html`<${ErrorLine} error=${residents.error} />` : html`
      <h2>${t('res.residents', { unit: r.unit.label })}</h2>
      <table><thead><tr><th>${t('res.name')}</th><th>${t('res.role')}</th><th>${t('res.since')}</th><th>${t('res.phone')}</th></tr></thead><tbody>
        ${r.residents.filter((x) => !x.residency.moveOut).map((x) => html`<tr data-resident=${x.person.id} class="clickable" onClick=${() => setOpen(open === x.person.id ? null : x.person.id)}>
          <td>${x.person.name}</td><td>${t(`res.${x.residency.role}`)}</td><td>${new Date(x.residency.moveIn).toLocaleDateString(lang)}</td><td>${x.person.phone ?? ''}</td></tr>
          ${open === x.person.id ? html`<tr><td colspan="4"><${Person} id=${x.person.id} reload=${residents.reload} /></td></tr>` : null}`)}
      </tbody></table>
      ${KEEPERS.includes(me.role) ? html`<${AddResident} unit=${r.unit} onAdded=${residents.reload} />` : null}`}
    </section></div>`;
}
