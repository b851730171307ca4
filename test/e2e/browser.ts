// Chromium for browser tests: the Debian package driven by playwright-core.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import WebSocket from 'ws';
import type { FaceService } from '../../firmware/face/index.js';
import { kioskService } from '../../firmware/kiosk/index.js';
import { silentLogger } from '../../firmware/log.js';
import { siteService } from '../../tools/cli/site-service.js';
import { startSimulation } from '../../tools/cli/simulation.js';
import { sharedEngine } from '../firmware/vision/fixtures.js';

export const CHROMIUM = '/usr/bin/chromium';

/** True when Chromium is installed; otherwise prints the one skip line the conventions ask for. */
export function chromiumOrSkip(what = 'browser tests'): boolean {
  if (existsSync(CHROMIUM)) return true;
  console.log(`skipped: ${what} (chromium not installed)`);
  return false;
}

export function hasFfmpeg(): boolean {
  return spawnSync('sh', ['-c', 'command -v ffmpeg'], { stdio: 'ignore' }).status === 0;
}

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Launches headless Chromium (playwright gives it a fresh temporary profile); `fakeVideo` (a .y4m) becomes its webcam. */
export async function launchChromium(options: { fakeVideo?: string } = {}): Promise<LaunchedBrowser> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (options.fakeVideo) args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${options.fakeVideo}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args, headless: true });
  return {
    browser,
    close: () => browser.close(),
  };
}

/** Writes a JPEG as a one-frame Y4M (the fake webcam loops it). */
export function y4mFromJpeg(jpeg: Buffer, dir: string, name: string): string {
  const src = join(dir, `${name}.jpg`);
  const out = join(dir, `${name}.y4m`);
  writeFileSync(src, jpeg);
  const r = spawnSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', src, '-vf', 'scale=640:480,format=yuv420p', '-frames:v', '1', out]);
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${String(r.stderr)}`);
  return out;
}

/** Where screenshots go (git-ignored). */
export const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname;

/**
 * Sends a JPEG into the kiosk as the page's webcam does, each frame after the face
 * service analysed the last (it skips frames while busy), until `done`.
 */
export async function playFrames(kioskUrl: string, face: FaceService, jpeg: Buffer, done: () => boolean): Promise<void> {
  const ws = new WebSocket(kioskUrl.replace('http', 'ws') + 'ws');
  await new Promise((r) => ws.once('open', r));
  try {
    for (let i = 0; i < 40 && !done(); i++) {
      let off = () => {};
      const analysed = new Promise<void>((resolve) => {
        off = face.onFrame(() => resolve());
      });
      const ack = new Promise<boolean>((resolve, reject) => {
        const on = (data: WebSocket.RawData, binary: boolean) => {
          if (binary) return;
          const m = JSON.parse(String(data)) as { type: string; accepted?: boolean; message?: string };
          if (m.type === 'frame-ack') resolve(m.accepted === true);
          else if (m.type === 'error') reject(new Error(m.message));
          else return;
          ws.off('message', on);
        };
        ws.on('message', on);
      });
      ws.send(jpeg);
      // A frame the pipeline fails on reports nothing: give up waiting on it after a while.
      const guard = new Promise<void>((resolve) => setTimeout(resolve, 3000).unref());
      if (await ack) await Promise.race([analysed, guard]);
      off();
    }
  } finally {
    ws.close();
  }
}

/** Logs in to the site console at `siteUrl` as `username` (the login form, as staff use it). */
export async function logInToSite(page: Page, siteUrl: string, password: string, username = 'admin'): Promise<void> {
  await page.goto(siteUrl);
  await page.fill('#login input[name=username]', username);
  await page.fill('#login input[name=password]', password);
  await page.click('#login button[type=submit]');
}

/**
 * The demo community as `npm start` runs it (sim terminals, broker, seeded site with this
 * admin password, the gate-1 kiosk), on the shared face engine.
 */
export async function startSiteSimulation(dir: string, adminPassword: string) {
  const sim = await startSimulation({
    site: 'maple',
    dir: ':memory:',
    faceEngine: await sharedEngine(),
    feedbackMs: 30_000,
    services: [siteService({ database: join(dir, 'site.db'), adminPassword }), kioskService('gate-1', { logger: silentLogger() })],
  });
  return {
    sim,
    siteUrl: sim.services.find((s) => s.name === 'Site')!.url,
    kioskUrl: sim.services.find((s) => s.name === 'Terminal gate-1')!.url.replace(/sim$/, ''),
    gate: sim.terminals.find((t) => t.id === 'gate-1')!.terminal,
  };
}
