import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KIOSK_STRINGS, kioskStrings, kioskView } from '../../../firmware/kiosk/index.js';
import { describeReason } from '../../../firmware/access/reason-text.js';
import { QUALITY_MESSAGES } from '../../../firmware/vision/quality.js';
import { CHALLENGE_KINDS } from '../../../firmware/vision/challenge.js';
import { promptFor } from '../../../firmware/face/prompt.js';
import type { TrackResult } from '../../../firmware/vision/pipeline.js';

const en = kioskStrings('en');
const zh = kioskStrings('zh-CN');

test('both languages have every string, prompt, reason and alert', () => {
  const keys = (o: object) => Object.keys(o).sort();
  assert.equal(keys(zh), keys(en));
  for (const part of ['prompts', 'challenges', 'reasons', 'alerts', 'alertScreens'] as const) assert.equal(keys(zh[part]), keys(en[part]), part);
  assert.equal(keys(en.prompts), keys(QUALITY_MESSAGES), 'a prompt for every quality reason');
  for (const table of Object.values(KIOSK_STRINGS)) for (const [k, v] of Object.entries(table)) if (typeof v === 'string') assert.ok(v.length > 0, k);
});

test('every denial reason reads in each language by its code; unknown codes keep the English detail', () => {
  for (const code of Object.keys(en.reasons)) {
    const state = { mode: 'denied' as const, title: 'Access denied', detail: describeReason(code), reason: code };
    assert.is(kioskView(state, en, '').reason, code);
    if (code !== 'spoof-suspected') assert.is(kioskView(state, zh, '').detail, zh.reasons[code]);
  }
  assert.equal(kioskView({ mode: 'denied', title: 'Access denied', detail: 'Odd', reason: 'no-such-code' }, zh, '').detail, 'Odd');
});

test('display states become translated screens', () => {
  assert.equal(kioskView({ mode: 'granted', title: 'Alice', detail: 'Access granted' }, zh, '东门'), { screen: 'granted', title: 'Alice', detail: '验证通过' });
  assert.equal(kioskView({ mode: 'denied', title: 'Access denied', detail: 'Face not recognised', reason: 'stranger' }, zh, ''), {
    screen: 'denied',
    title: '禁止通行',
    detail: '未识别的人脸',
    reason: 'stranger',
  });
  assert.is(kioskView({ mode: 'denied', title: 'Access denied', detail: 'Liveness check failed', reason: 'spoof-suspected' }, en, '').screen, 'liveness');
  assert.equal(kioskView({ mode: 'prompt', title: 'Come closer', reason: 'too_small' }, zh, ''), { screen: 'prompt', title: '请靠近一点' });
  assert.equal(kioskView({ mode: 'alert', title: 'Fire alarm', detail: 'Door released', reason: 'fire-release' }, zh, ''), { screen: 'alert', title: '火警', detail: '门已释放' });
  // Without a known code the English text shows as sent (and inherited keys are no codes).
  assert.equal(kioskView({ mode: 'prompt', title: 'Wave', reason: 'toString' }, zh, ''), { screen: 'prompt', title: 'Wave' });
  assert.equal(kioskView({ mode: 'alert', title: 'Flood', detail: 'Leave' }, zh, ''), { screen: 'alert', title: 'Flood', detail: 'Leave' });
  assert.equal(kioskView({ mode: 'idle', title: 'Present your card' }, en, 'Gate'), { screen: 'idle', title: 'Gate' });
  assert.equal(kioskView({ mode: 'idle', title: 'x', qr: 'https://v' }, en, 'Gate'), { screen: 'idle', title: 'x', qr: 'https://v' });
  assert.throws(() => kioskStrings('fr' as never), TypeError);
});

test('a liveness challenge asked by the pipeline shows as its prompt in English and Chinese', () => {
  const track = (kind: (typeof CHALLENGE_KINDS)[number]): TrackResult => ({
    trackId: 1,
    box: { x1: 100, y1: 100, x2: 250, y2: 260, score: 0.99 },
    quality: { ok: true },
    goodFrames: 3,
    decisionReady: true,
    analysed: true,
    challenge: { kind, state: 'pending' },
  });
  const shown: Record<string, [string, string]> = {};
  for (const kind of CHALLENGE_KINDS) {
    // What the terminal renders for the face service's prompt (Terminal.prompt: the message capitalised, the code as reason).
    const p = promptFor({ tracks: [track(kind)] })!;
    const state = { mode: 'prompt' as const, title: p.message.charAt(0).toUpperCase() + p.message.slice(1), reason: p.reason };
    const inEn = kioskView(state, en, '');
    const inZh = kioskView(state, zh, '');
    assert.equal([inEn.screen, inEn.detail, inZh.detail], ['prompt', 'Liveness check: follow the prompt', '活体检测：请按提示操作']);
    shown[kind] = [inEn.title, inZh.title];
  }
  assert.equal(shown, {
    blink: ['Please blink', '请眨眨眼'],
    turn_left: ['Turn your head to your left', '请向左转头'],
    turn_right: ['Turn your head to your right', '请向右转头'],
  });
  // A challenge that ended asks nothing more.
  assert.is(promptFor({ tracks: [{ ...track('blink'), challenge: { kind: 'blink', state: 'passed' } }] }), null);
});

test.run();
