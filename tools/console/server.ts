import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { WebSocket } from 'ws';
import { silentLogger, type Logger } from '../../firmware/log.js';
import { createWebServer, listenHttp } from '../../firmware/page-server.js';
import { Fleet, type PersonRecord } from '../../sdk/src/index.js';
import { ConsoleError, PersonInputSchema, UnlockInputSchema } from './api.js';
import { enrolPhoto } from './photo.js';
import { MAX_BODY_BYTES, personInputProblem, terminalProblem } from './plain.js';
import { toConsoleEvent, toConsoleTerminal, type ConsoleEvent, type ConsoleMessage, type ConsolePerson } from './model.js';
import { consoleAppOptions } from './app-options.js';

const PAGE = readFileSync(new URL('./web/index.html', import.meta.url), 'utf8');
const KEEP_EVENTS = 5000;
/** The page only listens: larger messages close its socket. */
export const CONSOLE_MAX_MESSAGE_BYTES = 1024;

export interface ConsoleOptions {
  /** A connected Fleet to use (not closed by the console), or… */
  fleet?: Fleet;
  /** …a broker URL and site to connect to. */
  brokerUrl?: string;
  site?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger?: Logger;
}

export interface RunningConsole {
  url: string;
  fleet: Fleet;
  close(): Promise<void>;
}

/** Bundles the browser app (preact + htm + Chart.js) once per process. */
let bundle: Promise<string> | undefined;
function appBundle(): Promise<string> {
  bundle ??= build(consoleAppOptions(fileURLToPath(new URL('./web/app.js', import.meta.url)))).then((r) => r.outputFiles[0]!.text);
  return bundle;
}

/**
 * The fleet console: a web app over the fleet SDK only. Terminals by zone with
 * presence and health, live events, persons (enrol from a photo or webcam, cards,
 * removal), remote unlock and charts.
 */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  if (!options.fleet && !options.brokerUrl) throw new TypeError('startConsole: pass fleet or brokerUrl');
  const js = await appBundle();
  const ownsFleet = !options.fleet;
  const fleet = options.fleet ?? (await Fleet.connect({ url: options.brokerUrl!, site: options.site ?? 'default' }));
  const site = options.site ?? 'default';
  const events: ConsoleEvent[] = [];
  const persons = new Map<string, ConsolePerson>();
  const clients = new Set<WebSocket>();
  const broadcast = (msg: ConsoleMessage) => {
    const text = JSON.stringify(msg);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  };
  const terminals = () => fleet.terminals().map(toConsoleTerminal);
  const terminalUpdate = (id: string) => {
    const info = fleet.terminal(id).info();
    if (info) broadcast({ type: 'terminal', terminal: toConsoleTerminal(info) });
  };
  const offs = [
    fleet.onPresence((u) => terminalUpdate(u.terminal)),
    fleet.onHealth((u) => terminalUpdate(u.terminal)),
    fleet.onEvent((e) => {
      const event = toConsoleEvent(e, e.personId ? (persons.get(e.personId)?.name ?? null) : null);
      events.push(event);
      if (events.length > KEEP_EVENTS) events.splice(0, events.length - KEEP_EVENTS);
      broadcast({ type: 'event', event });
    }),
  ];
  await fleet.whenConsuming();

  const upsertPerson = async (body: unknown) => {
    const parsed = PersonInputSchema.safeParse(body);
    if (!parsed.success) {
      throw new ConsoleError('BAD_REQUEST', personInputProblem(parsed.error.issues[0]), 400);
    }
    if (parsed.data.photo && !parsed.data.consent) throw new ConsoleError('BAD_REQUEST', "A photo is enrolled only with the person's consent: tick the consent box.", 400);
    // Phone photos are megabytes: terminals get one shrunk to what face recognition needs.
    const shrunk = parsed.data.photo && (await enrolPhoto(Buffer.from(parsed.data.photo.data, 'base64')));
    const input = { ...parsed.data, ...(shrunk && { photo: { mime: shrunk.mime, data: shrunk.data } }) };
    const id = input.id ?? randomUUID();
    const previous = persons.get(id);
    const record: PersonRecord = {
      id,
      name: input.name,
      groups: input.groups,
      credentials: input.cards.map((value) => ({ type: 'card' as const, value })),
      // The consent the person gave by ticking the console's box, sent with the photo as the record of it.
      ...(input.photo && { faces: [{ photo: input.photo, consent: { subject: input.name, givenAt: Date.now(), method: 'web' as const, reference: 'limen console consent box' } }] }),
    };
    const targets = input.terminals ?? fleet.terminals().filter((t) => t.online).map((t) => t.id);
    const results = await fleet.group(targets).persons.upsert([record], { timeoutMs: 60_000 });
    // Terminals without face recognition refuse photos: they still get the person and cards.
    const faceless = results.filter((r) => !r.ok && record.faces && (r.error as { code?: string }).code === 'NOT_SUPPORTED').map((r) => r.terminal);
    const { faces: _faces, ...withoutFaces } = record;
    const retried = faceless.length ? await fleet.group(faceless).persons.upsert([withoutFaces], { timeoutMs: 60_000 }) : [];
    const final = results.map((r) => retried.find((x) => x.terminal === r.terminal) ?? r);
    const person: ConsolePerson = { id, name: input.name, groups: input.groups, cards: input.cards, face: Boolean(input.photo) || (previous?.face ?? false), updatedAt: Date.now() };
    if (final.some((r) => r.ok)) {
      persons.set(id, person);
      broadcast({ type: 'persons', persons: [...persons.values()] });
    }
    return {
      person,
      results: final.map((r) =>
        r.ok ? { terminal: r.terminal, ok: true, face: Boolean(record.faces) && !faceless.includes(r.terminal) } : { terminal: r.terminal, ok: false, error: { code: errorBody(r.error).code, message: terminalProblem(r.error) } },
      ),
    };
  };

  const removePerson = async (id: string) => {
    const targets = fleet.terminals().filter((t) => t.online).map((t) => t.id);
    const results = await fleet.group(targets).persons.remove([id]);
    persons.delete(id);
    broadcast({ type: 'persons', persons: [...persons.values()] });
    return { results: results.map((r) => (r.ok ? { terminal: r.terminal, ok: true } : { terminal: r.terminal, ok: false, error: errorBody(r.error) })) };
  };

  const unlock = async (id: string, body: unknown) => {
    if (!fleet.terminals().some((t) => t.id === id)) throw new ConsoleError('NOT_FOUND', `no terminal ${id}`, 404);
    const parsed = UnlockInputSchema.safeParse(body ?? {});
    if (!parsed.success) throw new ConsoleError('BAD_REQUEST', parsed.error.issues[0]?.message ?? 'invalid', 400);
    return fleet.terminal(id).unlock({ durationMs: parsed.data.durationMs });
  };

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && (path === '/' || path === '/index.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE);
      return;
    }
    if (req.method === 'GET' && path === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(js);
      return;
    }
    if (req.method === 'GET' && path === '/api/terminals') return json(res, 200, terminals());
    if (req.method === 'GET' && path === '/api/events') return json(res, 200, events.slice(-500));
    if (req.method === 'GET' && path === '/api/persons') return json(res, 200, [...persons.values()]);
    if (req.method === 'POST' && path === '/api/persons') return json(res, 200, await upsertPerson(await readJson(req)));
    const person = /^\/api\/persons\/([^/]+)$/.exec(path);
    if (req.method === 'DELETE' && person) return json(res, 200, await removePerson(decodeURIComponent(person[1]!)));
    const unlockPath = /^\/api\/terminals\/([^/]+)\/unlock$/.exec(path);
    if (req.method === 'POST' && unlockPath) return json(res, 200, await unlock(decodeURIComponent(unlockPath[1]!), await readJson(req)));
    throw new ConsoleError('NOT_FOUND', `no route ${req.method} ${path}`, 404);
  };

  const { http, wss } = createWebServer({
    role: 'console',
    logger: options.logger ?? silentLogger(),
    maxPayload: CONSOLE_MAX_MESSAGE_BYTES,
    onRequest: (req, res) =>
      route(req, res).catch((err: Error & { code?: string; status?: number }) => {
        const status = err instanceof ConsoleError ? err.status : 502;
        json(res, status, { error: errorBody(err) });
      }),
    onConnection: (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      const msg: ConsoleMessage = { type: 'snapshot', site, terminals: terminals(), events: events.slice(-500), persons: [...persons.values()] };
      ws.send(JSON.stringify(msg));
    },
  });
  let url: string;
  try {
    url = await listenHttp(http, options.port ?? 0, options.host ?? '127.0.0.1', 'console');
  } catch (err) {
    for (const off of offs) off();
    if (ownsFleet) await fleet.close();
    throw err;
  }
  return {
    url,
    fleet,
    close: async () => {
      for (const off of offs) off();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
      if (ownsFleet) await fleet.close();
    },
  };
}

function errorBody(err: Error & { code?: string }): { code: string; message: string } {
  return { code: err.code ?? 'FAILED', message: err.message };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ConsoleError('TOO_LARGE', `The upload is larger than ${MAX_BODY_BYTES / 2 ** 20} MB.`, 413);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ConsoleError('BAD_JSON', 'request body is not JSON', 400);
  }
}
