// Logs in to a running site server over HTTP: the headers a staff member's requests carry.
export async function login(siteUrl: string, username: string, password: string): Promise<{ cookie: string; 'x-csrf-token': string }> {
  const res = await fetch(`${siteUrl}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
  return { cookie, 'x-csrf-token': ((await res.json()) as { csrfToken: string }).csrfToken };
}
