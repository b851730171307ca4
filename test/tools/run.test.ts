// `limen run` as production runs it: the npm run build bundle in an install layout,
// started through board/limen-launch, stopped with a signal.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_MODEL_SET, resolveModelSet } from '../../models/manifest.js';
import { ensureModelSet } from '../../models/fetch.js';
import { stageInstall } from '../../tools/bench/common.js';

const dir = mkdtempSync(join(tmpdir(), 'limen-run-'));
const install = await stageInstall(dir);
const env = { ...process.env, ...install.env, LIMEN_LOG_LEVEL: 'info' };

interface LogLine {
  msg: string;
  [key: string]: unknown;
}

/** A running `limen run`: its JSON log lines as they come, and its exit. */
class Firmware {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  private waiters: Array<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      if (!text.startsWith('{')) return;
      const line = JSON.parse(text) as LogLine;
      this.lines.push(line);
      for (const w of this.waiters.filter((w) => w.match(line))) w.resolve(line);
      this.waiters = this.waiters.filter((w) => !w.match(line));
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(config: object, extraEnv: NodeJS.ProcessEnv = {}): Firmware {
    const path = join(mkdtempSync(join(dir, 'cfg-')), 'limen.config.json');
    writeFileSync(path, JSON.stringify(config));
    return new Firmware(spawn(install.launcher, ['run', '--config', path], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** The first log line with this message; rejects if the process ends first. */
  waitFor(msg: string): Promise<LogLine> {
    const seen = this.lines.find((l) => l.msg === msg);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ match: (l) => l.msg === msg, resolve });
      void this.exited.then(({ code }) => reject(new Error(`exited (${code}) before logging "${msg}": ${this.stderr}`)));
    });
  }
}

const simConfig = (name: string, extra: object = {}) => ({
  version: 1,
  terminal: { id: `run-${name}`, name: 'Test door' },
  board: 'sim',
  store: { path: join(dir, `${name}.db`) },
  panel: { host: '127.0.0.1', port: 0 },
  ...extra,
});

test('limen run through the launcher serves the kiosk, logs JSON, and SIGTERM stops it cleanly with exit 0', async () => {
  const fw = Firmware.start(simConfig('plain'));
  const running = await fw.waitFor('terminal running');
  assert.is(running.board, 'sim');
  assert.is(running.face, false);
  const kioskUrl = String(running.kioskUrl);
  const page = await fetch(kioskUrl);
  assert.is(page.status, 200);
  assert.match(await page.text(), /<html/i);
  const view = (await (await fetch(`${kioskUrl}api/view`)).json()) as { view: { title: string } };
  assert.is(view.view.title, 'Test door');
  fw.child.kill('SIGTERM');
  assert.equal(await fw.exited, { code: 0, signal: null });
  const messages = fw.lines.map((l) => l.msg);
  assert.ok(messages.includes('stopping'));
  assert.ok(messages.includes('store closed'));
  assert.ok(messages.includes('stopped: door relay de-energised, store closed'));
  assert.is(fw.stderr, '');
});

test('a bad config exits 2 with its code on stderr, no stack trace', async () => {
  const fw = Firmware.start({ version: 1, terminal: { id: 'bad' }, door: { unlockMs: -1 } });
  assert.equal(await fw.exited, { code: 2, signal: null });
  assert.match(fw.stderr, /^limen run: CONFIG_INVALID: door\.unlockMs: /);
  assert.not.match(fw.stderr, /\n\s+at /);
  const board = Firmware.start(simConfig('board', { board: 'rpi9' }));
  assert.equal(await board.exited, { code: 2, signal: null });
  assert.match(board.stderr, /^limen run: UNKNOWN_BOARD: unknown board "rpi9"/);
  const missing = spawnSync(install.launcher, ['run', '--config', join(dir, 'nope.json')], { env, encoding: 'utf8' });
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /^limen run: CONFIG_NOT_FOUND: /);
});

const hasModels = await ensureModelSet(resolveModelSet(DEFAULT_MODEL_SET), { download: false }).then(
  () => true,
  () => false,
);
if (hasModels) {
  test('with face recognition on, the liveness worker loads from the bundle; SIGINT stops it with exit 0', async () => {
    const fw = Firmware.start(simConfig('face', { face: { enabled: true } }));
    await fw.waitFor('terminal running');
    const models = await fw.waitFor('vision models loaded');
    assert.is(models.parallelLiveness, true);
    await fw.waitFor('face recognition running');
    fw.child.kill('SIGINT');
    assert.equal(await fw.exited, { code: 0, signal: null });
  });
} else {
  console.log('skipped: limen run with face recognition (models not in the model cache; run npm run models)');
}

const tool = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
if (tool('systemd-notify') && tool('python3')) {
  test('under systemd (NOTIFY_SOCKET set), READY=1 is sent once the terminal runs', async () => {
    const socket = join(dir, 'notify.sock');
    // A stand-in for systemd's notify socket: prints each datagram and closes passed fds
    // (systemd-notify waits for that barrier).
    const receiver = spawn(
      'python3',
      [
        '-u',
        '-c',
        [
          'import os, socket, sys',
          's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
          's.bind(sys.argv[1])',
          'print("listening")',
          'while True:',
          '    data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(64))',
          '    for level, kind, payload in anc:',
          '        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:',
          '            for i in range(0, len(payload) - len(payload) % 4, 4): os.close(int.from_bytes(payload[i:i+4], sys.byteorder))',
          '    print(data.decode().replace("\\n", " "))',
        ].join('\n'),
        socket,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const datagrams: string[] = [];
    let listening!: () => void;
    const bound = new Promise<void>((resolve) => (listening = resolve));
    const ready = new Promise<void>((resolve) => {
      createInterface({ input: receiver.stdout }).on('line', (line) => {
        if (line === 'listening') return listening();
        datagrams.push(line);
        if (line.includes('READY=1')) resolve();
      });
    });
    await bound;
    const fw = Firmware.start(simConfig('notify'), { NOTIFY_SOCKET: socket });
    const running = await fw.waitFor('terminal running');
    await ready;
    assert.ok(datagrams.some((d) => d.includes('READY=1') && d.includes(`MAINPID=${String(running.pid)}`)));
    fw.child.kill('SIGTERM');
    assert.is((await fw.exited).code, 0);
    receiver.kill();
  });
} else {
  console.log('skipped: READY=1 on the systemd notify socket (systemd or python3 not installed)');
}

test.after(() => {
  install.close();
  rmSync(dir, { recursive: true, force: true });
});
test.run();
