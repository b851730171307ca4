// The site server's API as the console uses it: JSON in and out, the session cookie
// sent by the browser, the CSRF token on every state-changing request.
let csrf = null;
const unauthorised = new Set();

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    /** The request field the server's message is about, when it names one (a form shows it there). */
    this.field = field;
  }
}

export function setCsrf(token) {
  csrf = token;
}

/** Called when a request finds the session gone (the app shows the login again). */
export function onUnauthorised(fn) {
  unauthorised.add(fn);
  return () => unauthorised.delete(fn);
}

export async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/login') for (const fn of unauthorised) fn();
    throw new ApiError(res.status, data.error?.code ?? 'FAILED', data.error?.message ?? `request failed (${res.status})`, data.error?.field);
  }
  return data;
}

/** A query string from the set fields of `q`. */
export function query(q) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Local `datetime-local` / `date` input value → ISO string. */
export const isoOf = (local) => (local ? new Date(local).toISOString() : undefined);
