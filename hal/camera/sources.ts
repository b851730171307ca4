import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { PixelFormat } from '../camera.js';
import { isYuv420 } from './formats.js';
import { HalError } from '../errors.js';
import type { ProcessSource } from './process-camera.js';

/**
 * Commands that write raw frames to stdout, one builder per platform or
 * simulated source. Each returns a ProcessSource for ProcessCamera; none runs
 * anything. Notes that shaped them:
 * - gst-launch-1.0 always runs with -q: without it, status text lands in the frame stream.
 * - GStreamer pads rows to 4 bytes (RGB, and each I420 plane), so GStreamer
 *   sources need widths that keep rows unpadded: a multiple of 8.
 * - rpicam-vid pads I420 rows unless the width is a multiple of 64.
 * - A still image loops with ffmpeg `-loop 1 -re` (`-stream_loop` does not work on a still).
 * - Images and videos are scaled to fit inside width × height with their aspect
 *   ratio kept and the rest padded black, so faces are never stretched.
 */

interface Size {
  width: number;
  height: number;
  /** Frames per second. Default 15 (30 for test patterns). */
  fps?: number;
}

interface WithFormat {
  /** Pixel format of the frames. Default rgb24. */
  format?: PixelFormat;
}

export type CameraSourceConfig =
  | ({ kind: 'rpicam'; /** Camera index for boards with two. */ camera?: number } & Size)
  | ({ kind: 'jetson-argus'; sensorId?: number } & Size & WithFormat)
  | ({ kind: 'v4l2-gst'; device?: string } & Size & WithFormat)
  | ({ kind: 'v4l2-ffmpeg'; device?: string; /** What to ask the webcam for, e.g. 'mjpeg'. Default: its choice. */ inputFormat?: string } & Size & WithFormat)
  | ({ kind: 'gst-test'; /** videotestsrc pattern, e.g. 'smpte', 'ball'. */ pattern?: string } & Size & WithFormat)
  | ({ kind: 'ffmpeg-test' } & Size & WithFormat)
  | ({ kind: 'image'; path: string; tool?: 'ffmpeg' | 'gstreamer' } & Size & WithFormat)
  | ({ kind: 'image-folder'; dir: string; /** How long each image shows. Default 2 s. */ secondsPerImage?: number; /** Black after each image. Default 1.5 s. */ gapSeconds?: number } & Size & WithFormat)
  | ({ kind: 'video'; path: string; tool?: 'ffmpeg' | 'gstreamer'; /** Play it again at the end. Default true. */ loop?: boolean } & Size & WithFormat);

export type CameraSourceKind = CameraSourceConfig['kind'];

export const CAMERA_SOURCE_KINDS: readonly CameraSourceKind[] = [
  'rpicam',
  'jetson-argus',
  'v4l2-gst',
  'v4l2-ffmpeg',
  'gst-test',
  'ffmpeg-test',
  'image',
  'image-folder',
  'video',
];

/** Image files an image folder plays, by extension. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff'];

const FFMPEG_PIX_FMT: Record<PixelFormat, string> = { rgb24: 'rgb24', bgr24: 'bgr24', rgba: 'rgba', gray8: 'gray', i420: 'yuv420p', nv12: 'nv12' };
const GST_FORMAT: Record<PixelFormat, string> = { rgb24: 'RGB', bgr24: 'BGR', rgba: 'RGBA', gray8: 'GRAY8', i420: 'I420', nv12: 'NV12' };

function checkSize(kind: string, s: Size, format: PixelFormat): { width: number; height: number; fps: number } {
  const { width, height } = s;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new TypeError(`${kind}: width and height must be positive integers, got ${width}x${height}`);
  }
  if (!(format in FFMPEG_PIX_FMT)) throw new TypeError(`${kind}: unknown pixel format ${String(format)}`);
  // GStreamer rounds the Y plane's height up to even, so an odd size would shift the chroma planes.
  if (isYuv420(format) && (width % 2 || height % 2)) throw new TypeError(`${kind}: ${format} needs an even width and height, got ${width}x${height}`);
  const fps = s.fps ?? 15;
  if (!(fps > 0 && fps <= 240)) throw new TypeError(`${kind}: fps must be in (0, 240], got ${fps}`);
  return { width, height, fps };
}

function checkGstWidth(kind: string, width: number): void {
  if (width % 8) throw new TypeError(`${kind}: GStreamer pads rows, so width must be a multiple of 8, got ${width}`);
}

/** GStreamer framerate as a fraction. */
function gstRate(fps: number): string {
  return Number.isInteger(fps) ? `${fps}/1` : `${Math.round(fps * 1000)}/1000`;
}

/** Quotes a property value for gst-launch, which re-parses its joined arguments. */
function gstQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Frame geometry and format a builder settled on. */
interface Output {
  width: number;
  height: number;
  fps: number;
  format: PixelFormat;
}

/** Fills in the default format (rgb24) and fps, then checks the size. */
function output(kind: string, options: Size & WithFormat, defaults: { format?: PixelFormat; fps?: number } = {}): Output {
  const format = options.format ?? defaults.format ?? 'rgb24';
  const { width, height, fps } = checkSize(kind, { ...options, fps: options.fps ?? defaults.fps }, format);
  return { width, height, fps, format };
}

function gstCaps({ format, width, height, fps }: Output): string {
  return `video/x-raw,format=${GST_FORMAT[format]},width=${width},height=${height},framerate=${gstRate(fps)},pixel-aspect-ratio=1/1`;
}

/** Decodes whatever `source` yields and converts it to raw video, ready for scaling. */
function gstDecode(source: string[], ...videoscale: string[]): string[] {
  return [...source, '!', 'decodebin', '!', 'videoconvert', '!', 'videoscale', ...videoscale, '!'];
}

/** The output caps, then raw frames on stdout. */
function gstRawOut(out: Output): string[] {
  return [gstCaps(out), '!', 'fdsink', 'fd=1'];
}

function gst(label: string, pipeline: string[], { width, height, format }: Output): ProcessSource {
  return { description: `${label} ${width}x${height} ${format}`, command: 'gst-launch-1.0', args: ['-q', ...pipeline], width, height, format };
}

/** Scale to fit, pad to exactly width × height, square pixels, then the output format. */
function ffmpegFit({ width, height, format }: Output): string {
  return (
    `scale=${width}:${height}:force_original_aspect_ratio=decrease,` +
    `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=${FFMPEG_PIX_FMT[format]}`
  );
}

/** ffmpeg quietly reading `input` (input options, -i, filters) and writing raw frames to stdout. */
function ffmpeg(label: string, input: string[], { width, height, format }: Output, stdin?: string): ProcessSource {
  const args = ['-hide_banner', '-loglevel', 'error', ...input, '-f', 'rawvideo', '-pix_fmt', FFMPEG_PIX_FMT[format], 'pipe:1'];
  return { description: `ffmpeg ${label} ${width}x${height} ${format}`, command: 'ffmpeg', args, width, height, format, ...(stdin === undefined ? {} : { stdin }) };
}

/** Raspberry Pi camera through rpicam-vid (libcamera), I420. */
export function rpicamSource(options: Size & { camera?: number }): ProcessSource {
  const { width, height, fps } = checkSize('rpicam', options, 'i420');
  if (width % 64) throw new TypeError(`rpicam: rpicam-vid pads I420 rows unless width is a multiple of 64, got ${width}`);
  const args = ['-t', '0', '-n', '--codec', 'yuv420', '--width', String(width), '--height', String(height), '--framerate', String(fps)];
  if (options.camera !== undefined) args.push('--camera', String(options.camera));
  args.push('-o', '-');
  // rpicam-vid asks libcamera for Rec709 from 1280 wide or 720 high, SMPTE 170M (BT.601) below.
  const yuvMatrix = width >= 1280 || height >= 720 ? 'bt709' : 'bt601';
  return { description: `rpicam-vid ${width}x${height} i420 ${yuvMatrix}`, command: 'rpicam-vid', args, width, height, format: 'i420', yuvMatrix };
}

/** Jetson CSI camera through nvarguscamerasrc; nvvidconv copies out of NVMM into I420 (or converts further). */
export function jetsonArgusSource(options: Size & WithFormat & { sensorId?: number }): ProcessSource {
  const out = output('jetson-argus', options, { format: 'i420' });
  const { width, height, fps, format } = out;
  checkGstWidth('jetson-argus', width);
  const pipeline = [
    'nvarguscamerasrc',
    `sensor-id=${options.sensorId ?? 0}`,
    '!',
    `video/x-raw(memory:NVMM),width=${width},height=${height},framerate=${gstRate(fps)}`,
    '!',
    'nvvidconv',
    '!',
  ];
  if (isYuv420(format)) pipeline.push(`video/x-raw,format=${GST_FORMAT[format]},width=${width},height=${height}`);
  else pipeline.push('video/x-raw,format=BGRx', '!', 'videoconvert', '!', `video/x-raw,format=${GST_FORMAT[format]}`);
  pipeline.push('!', 'fdsink', 'fd=1');
  return gst('nvarguscamerasrc', pipeline, out);
}

/** USB (UVC) webcam through GStreamer v4l2src; decodebin handles raw and MJPEG cameras. */
export function v4l2GstSource(options: Size & WithFormat & { device?: string }): ProcessSource {
  const out = output('v4l2-gst', options);
  checkGstWidth('v4l2-gst', out.width);
  const device = options.device ?? '/dev/video0';
  const pipeline = [...gstDecode(['v4l2src', `device=${gstQuote(device)}`]), 'videorate', '!', ...gstRawOut(out)];
  return gst(`v4l2src ${device}`, pipeline, out);
}

/** USB (UVC) webcam through ffmpeg's v4l2 input. */
export function v4l2FfmpegSource(options: Size & WithFormat & { device?: string; inputFormat?: string }): ProcessSource {
  const out = output('v4l2-ffmpeg', options);
  const device = options.device ?? '/dev/video0';
  const input = ['-nostdin', '-f', 'v4l2', '-framerate', String(out.fps), '-video_size', `${out.width}x${out.height}`];
  if (options.inputFormat) input.push('-input_format', options.inputFormat);
  input.push('-i', device, '-vf', ffmpegFit(out));
  return ffmpeg(`v4l2 ${device}`, input, out);
}

/** GStreamer's videotestsrc, live at the given rate. */
export function gstTestSource(options: Size & WithFormat & { pattern?: string }): ProcessSource {
  const out = output('gst-test', options, { fps: 30 });
  checkGstWidth('gst-test', out.width);
  const pattern = options.pattern ?? 'smpte';
  if (!/^[a-z0-9-]+$/.test(pattern)) throw new TypeError(`gst-test: pattern must be a videotestsrc pattern name, got ${pattern}`);
  return gst(`videotestsrc ${pattern}`, ['videotestsrc', 'is-live=true', `pattern=${pattern}`, '!', ...gstRawOut(out)], out);
}

/** ffmpeg's testsrc2 pattern, in real time. */
export function ffmpegTestSource(options: Size & WithFormat): ProcessSource {
  const out = output('ffmpeg-test', options, { fps: 30 });
  return ffmpeg('testsrc2', ['-nostdin', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${out.width}x${out.height}:rate=${out.fps}`], out);
}

/** One still image, repeated at `fps`: a face standing in front of the camera. */
export function imageSource(options: Size & WithFormat & { path: string; tool?: 'ffmpeg' | 'gstreamer' }): ProcessSource {
  const out = output('image', options);
  const path = resolve(checkPath('image', options.path));
  if ((options.tool ?? 'ffmpeg') === 'ffmpeg') {
    return ffmpeg(`image ${path}`, ['-nostdin', '-re', '-loop', '1', '-framerate', String(out.fps), '-i', path, '-vf', ffmpegFit(out)], out);
  }
  checkGstWidth('image', out.width);
  const pipeline = [...gstDecode(['filesrc', `location=${gstQuote(path)}`], 'add-borders=true'), 'imagefreeze', 'is-live=true', '!', ...gstRawOut(out)];
  return gst(`gstreamer image ${path}`, pipeline, out);
}

/**
 * A played folder's black frames after each image: longer than a face tracker's 1 s
 * memory, so each image is an approach of its own (a still held in front of a camera
 * is one person standing there; the next photo is somebody walking up).
 */
export const IMAGE_FOLDER_GAP_SECONDS = 1.5;

/**
 * The images of a folder (sorted by name), each shown for `secondsPerImage` and followed
 * by `gapSeconds` of black, through ffmpeg's concat demuxer. The list goes to ffmpeg on
 * stdin; the child exits after the last image and ProcessCamera's restart plays the
 * folder again.
 */
export function imageFolderSource(options: Size & WithFormat & { dir: string; secondsPerImage?: number; gapSeconds?: number }): ProcessSource {
  const out = output('image-folder', options);
  const dir = resolve(checkPath('image-folder', options.dir));
  const shown = options.secondsPerImage ?? 2;
  if (!(shown > 0)) throw new TypeError(`image-folder: secondsPerImage must be > 0, got ${shown}`);
  const gap = options.gapSeconds ?? IMAGE_FOLDER_GAP_SECONDS;
  if (!(gap >= 0)) throw new TypeError(`image-folder: gapSeconds must be >= 0, got ${gap}`);
  const seconds = shown + gap;
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => IMAGE_EXTENSIONS.includes(extname(n).toLowerCase()))
      .filter((n) => statSync(join(dir, n)).isFile())
      .sort();
  } catch (err) {
    throw new HalError('DEVICE_NOT_FOUND', `image-folder: cannot read ${dir}: ${(err as Error).message}`, { cause: err });
  }
  if (names.length === 0) throw new HalError('DEVICE_NOT_FOUND', `image-folder: no ${IMAGE_EXTENSIONS.join('/')} files in ${dir}`);
  // `file:` keeps the concat demuxer from resolving paths against its own `pipe:` URL.
  const quote = (p: string) => `'file:${p.replace(/'/g, "'\\''")}'`;
  const lines = ['ffconcat version 1.0'];
  for (const n of names) lines.push(`file ${quote(join(dir, n))}`, `duration ${seconds}`);
  // The concat demuxer ignores the last entry's duration unless the file repeats.
  lines.push(`file ${quote(join(dir, names[names.length - 1]!))}`);
  const input = [
    '-f',
    'concat',
    '-safe',
    '0',
    '-protocol_whitelist',
    'file,pipe',
    '-i',
    'pipe:0',
    // fps repeats each still for its whole slot; drawbox blacks out the slot's last `gap`
    // seconds; realtime then paces the frames. (`-re` with an output rate paced only the
    // input: each still's copies came out in one burst, and a busy terminal dropped most
    // of them before it had seen the face enough.)
    '-vf',
    // trim drops the one frame of the list's repeated last entry, which would otherwise
    // show the last face again right after its gap.
    [`fps=${out.fps}`, `trim=duration=${names.length * seconds}`, ffmpegFit(out), ...(gap > 0 ? [`drawbox=enable='gte(mod(t,${seconds}),${shown})':color=black:t=fill`] : []), 'realtime'].join(','),
  ];
  return ffmpeg(`folder ${dir} (${names.length} images)`, input, out, `${lines.join('\n')}\n`);
}

/** A video file in real time, looping by default. */
export function videoSource(options: Size & WithFormat & { path: string; tool?: 'ffmpeg' | 'gstreamer'; loop?: boolean }): ProcessSource {
  const out = output('video', options);
  const path = resolve(checkPath('video', options.path));
  const loop = options.loop ?? true;
  if ((options.tool ?? 'ffmpeg') === 'ffmpeg') {
    const input = ['-nostdin', '-re', ...(loop ? ['-stream_loop', '-1'] : []), '-i', path, '-an', '-vf', `fps=${out.fps},${ffmpegFit(out)}`];
    return ffmpeg(`video ${path}`, input, out);
  }
  // GStreamer ends at EOS; ProcessCamera's restart plays it again.
  checkGstWidth('video', out.width);
  const pipeline = [...gstDecode(['filesrc', `location=${gstQuote(path)}`], 'add-borders=true'), 'videorate', '!', ...gstRawOut(out), 'sync=true'];
  return gst(`gstreamer video ${path}`, pipeline, out);
}

function checkPath(kind: string, path: unknown): string {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${kind}: a path is required`);
  return path;
}

/**
 * The ProcessSource for a configured camera. Unknown kinds throw HalError
 * UNKNOWN_DRIVER naming the valid ones.
 */
export function processSource(config: CameraSourceConfig): ProcessSource {
  switch (config.kind) {
    case 'rpicam':
      return rpicamSource(config);
    case 'jetson-argus':
      return jetsonArgusSource(config);
    case 'v4l2-gst':
      return v4l2GstSource(config);
    case 'v4l2-ffmpeg':
      return v4l2FfmpegSource(config);
    case 'gst-test':
      return gstTestSource(config);
    case 'ffmpeg-test':
      return ffmpegTestSource(config);
    case 'image':
      return imageSource(config);
    case 'image-folder':
      return imageFolderSource(config);
    case 'video':
      return videoSource(config);
    default: {
      const kind = (config as { kind?: unknown } | null)?.kind;
      throw new HalError('UNKNOWN_DRIVER', `unknown camera source ${String(kind)}; valid: ${CAMERA_SOURCE_KINDS.join(', ')}`);
    }
  }
}
