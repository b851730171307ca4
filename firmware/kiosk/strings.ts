// Every text the kiosk page shows, one table per language (config.terminal.language).
import { REASON_TEXT_EN } from '../access/reason-text.js';
import type { ChallengePromptCode } from '../vision/challenge.js';
import type { QualityReason } from '../vision/quality.js';

export type KioskLanguage = 'en' | 'zh-CN';

export interface KioskStrings {
  idlePrompt: string;
  /** The idle prompt of a terminal without face recognition: no camera to look at. */
  idlePromptNoFace: string;
  presentCard: string;
  granted: string;
  denied: string;
  livenessFailed: string;
  livenessHint: string;
  welcome: string;
  pin: string;
  pinTitle: string;
  pinEnter: string;
  pinClear: string;
  pinCancel: string;
  visitor: string;
  visitorHint: string;
  close: string;
  alert: string;
  webcam: string;
  webcamStop: string;
  webcamDenied: string;
  offline: string;
  faceUnavailable: string;
  /** Quality prompts, keyed by the quality reason code. */
  prompts: Record<QualityReason, string>;
  /** Liveness challenges (the uncertain band's fallback), keyed by the prompt code. */
  challenges: Record<ChallengePromptCode, string>;
  /** The line under a challenge: why the person is asked to move. */
  challengeHint: string;
  /** Denial reasons, keyed by the access core's reason code. */
  reasons: Record<string, string>;
  /** Door alarms, keyed by alarm code. */
  alerts: Record<string, string>;
  /** Alert screens, keyed by the display's alert code. */
  alertScreens: Record<string, { title: string; detail?: string }>;
}

const en: KioskStrings = {
  idlePrompt: 'Look at the camera or present your card',
  idlePromptNoFace: 'Present your card or enter your PIN',
  presentCard: 'Present your card',
  granted: 'Access granted',
  denied: 'Access denied',
  livenessFailed: 'Liveness check failed',
  livenessHint: 'Please show your real face, not a photo or a screen',
  welcome: 'Welcome',
  pin: 'PIN',
  pinTitle: 'Enter your PIN',
  pinEnter: 'OK',
  pinClear: 'Clear',
  pinCancel: 'Cancel',
  visitor: 'Visitor',
  visitorHint: 'Visitors: scan to register',
  close: 'Close',
  alert: 'Alert',
  webcam: 'Webcam',
  webcamStop: 'Stop camera',
  webcamDenied: 'The browser refused the camera',
  offline: 'Connecting to the terminal…',
  faceUnavailable: 'Face recognition unavailable',
  prompts: {
    too_small: 'Come closer',
    too_close: 'Step back',
    partial: 'Move into view',
    pose: 'Face the camera',
    too_dark: 'Too dark',
    too_bright: 'Too bright',
    backlit: 'Step out of the backlight',
    blur: 'Hold still',
  },
  challenges: {
    challenge_blink: 'Please blink',
    challenge_turn_left: 'Turn your head to your left',
    challenge_turn_right: 'Turn your head to your right',
  },
  challengeHint: 'Liveness check: follow the prompt',
  reasons: { ...REASON_TEXT_EN, 'terminal-error': 'Terminal error' },
  alerts: {
    'forced-open': 'Door forced open',
    'held-open': 'Door held open',
  },
  alertScreens: {
    'fire-release': { title: 'Fire alarm', detail: 'Door released' },
    'fire-locked': { title: 'Fire alarm', detail: 'Door stays locked' },
    'fire-barrier-up': { title: 'Fire alarm', detail: 'Barrier up for emergency vehicles' },
  },
};

const zhCN: KioskStrings = {
  idlePrompt: '请看摄像头或刷卡',
  idlePromptNoFace: '请刷卡或输入密码',
  presentCard: '请刷卡',
  granted: '验证通过',
  denied: '禁止通行',
  livenessFailed: '活体检测未通过',
  livenessHint: '请本人正对摄像头，不要使用照片或屏幕',
  welcome: '欢迎',
  pin: '密码',
  pinTitle: '请输入密码',
  pinEnter: '确认',
  pinClear: '清除',
  pinCancel: '取消',
  visitor: '访客',
  visitorHint: '访客请扫码登记',
  close: '关闭',
  alert: '警报',
  webcam: '使用摄像头',
  webcamStop: '停止摄像头',
  webcamDenied: '浏览器拒绝了摄像头',
  offline: '正在连接终端…',
  faceUnavailable: '人脸识别不可用',
  prompts: {
    too_small: '请靠近一点',
    too_close: '请后退一点',
    partial: '请移入画面',
    pose: '请正对摄像头',
    too_dark: '光线太暗',
    too_bright: '光线太亮',
    backlit: '请避开逆光',
    blur: '请保持不动',
  },
  challenges: {
    challenge_blink: '请眨眨眼',
    challenge_turn_left: '请向左转头',
    challenge_turn_right: '请向右转头',
  },
  challengeHint: '活体检测：请按提示操作',
  reasons: {
    'unknown-credential': '未登记的卡',
    'malformed-credential': '无法读取的卡',
    'credential-disabled': '卡已停用',
    'credential-expired': '卡已过期',
    'credential-not-yet-valid': '卡尚未生效',
    'person-disabled': '通行权限已停用',
    'person-expired': '通行权限已过期',
    'person-not-yet-valid': '通行权限尚未生效',
    'no-access-group': '无此门通行权限',
    'outside-schedule': '当前时段不允许通行',
    holiday: '节假日关闭',
    stranger: '未识别的人脸',
    'spoof-suspected': '活体检测未通过',
    'no-face-consent': '未开通人脸通行',
    'pass-invalid': '通行码无效',
    'pass-not-yet-valid': '通行码尚未生效',
    'pass-expired': '通行码已过期',
    'pass-wrong-terminal': '通行码不适用于此门',
    'pass-used-up': '通行码次数已用完',
    'pass-revoked': '通行码已作废',
    'anti-passback': '未出先进，禁止通行',
    'ambiguous-plate': '车牌无法确认',
    'guard-no-answer': '值班人员未放行',
    'terminal-error': '终端故障',
  },
  alerts: {
    'forced-open': '门被强行打开',
    'held-open': '门长时间未关',
  },
  alertScreens: {
    'fire-release': { title: '火警', detail: '门已释放' },
    'fire-locked': { title: '火警', detail: '门保持锁定' },
    'fire-barrier-up': { title: '火警', detail: '道闸已抬起，供应急车辆通行' },
  },
};

export const KIOSK_STRINGS: Readonly<Record<KioskLanguage, KioskStrings>> = { en, 'zh-CN': zhCN };

export function kioskStrings(language: KioskLanguage): KioskStrings {
  const table = KIOSK_STRINGS[language];
  if (!table) throw new TypeError(`kiosk language must be one of ${Object.keys(KIOSK_STRINGS).join(', ')}, got ${String(language)}`);
  return table;
}
