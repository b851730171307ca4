// The camera the face pipeline reads: the board's own camera role, or media played
// through an ffmpeg child process (config face.camera), so the sim can see faces. The
// board factory makes the played-media camera (board/media-camera.ts); this module checks
// that what the config names can be played, and picks between the two.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { openPlayedMediaCamera, playedMediaSource, type PlayedMediaSource } from '../../board/index.js';
import type { Camera } from '../../hal/camera.js';
import type { Clock } from '../../hal/clock.js';
import type { FaceCameraConfig } from '../config/index.js';
import { child, type Logger } from '../log.js';
import { FaceError } from './errors.js';

export interface FaceCameraOptions {
  config: FaceCameraConfig;
  /** The board's camera role, used when the config plays nothing. */
  boardCamera?: Camera;
  /** Frame size for played media (the board camera's, when it has one). Default 640×480. */
  width?: number;
  height?: number;
  clock: Clock;
  logger: Logger;
}

export interface FaceCamera {
  camera: Camera;
  /** For status and logs: "board camera", "ffmpeg image faces.jpg 640x480 rgb24". */
  description: string;
  /** True when the camera was made here (a process camera): its opener closes it. */
  owned: boolean;
}

/** The ffmpeg command line for a played source, or null for `none`. Throws FaceError CAMERA_UNAVAILABLE for a missing path. */
export function faceCameraSource(config: FaceCameraConfig, size: { width: number; height: number }): PlayedMediaSource | null {
  const need = (path: string, kind: 'file' | 'folder') => {
    const ok = existsSync(path) && (kind === 'folder' ? statSync(path).isDirectory() : statSync(path).isFile());
    if (!ok) throw new FaceError('CAMERA_UNAVAILABLE', `face.camera.path: no such ${kind} ${path}`);
  };
  try {
    if (config.source === 'image' || config.source === 'video') need(config.path, 'file');
    if (config.source === 'image-folder') need(config.path, 'folder');
    return playedMediaSource(config, size);
  } catch (err) {
    if (err instanceof FaceError || err instanceof TypeError) throw err;
    throw new FaceError('CAMERA_UNAVAILABLE', `face.camera: ${(err as Error).message}`, { cause: err });
  }
}

/** Whether `command` is an executable on PATH. */
export function commandAvailable(command: string, path = process.env.PATH ?? ''): boolean {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/**
 * Picks the face camera. Throws FaceError CAMERA_UNAVAILABLE when the board has no
 * camera and nothing is played, when a media path is missing, or when the tool that
 * plays it is not installed (named in the message).
 */
export function openFaceCamera(options: FaceCameraOptions): FaceCamera {
  const { config } = options;
  const source = faceCameraSource(config, { width: options.width ?? 640, height: options.height ?? 480 });
  if (!source) {
    if (!options.boardCamera) throw new FaceError('CAMERA_UNAVAILABLE', 'this board has no camera and face.camera plays nothing (source "none")');
    return { camera: options.boardCamera, description: 'board camera', owned: false };
  }
  if (!commandAvailable(source.command)) {
    throw new FaceError(
      'CAMERA_UNAVAILABLE',
      `face.camera source "${config.source}" plays through ${source.command}, which is not installed (install the ${source.command} package)`,
    );
  }
  // The camera logs its child's life itself: a crash at warn, the end of a played folder
  // or video (which then plays again) at debug.
  const camera = openPlayedMediaCamera(source, { clock: options.clock, logger: child(options.logger, 'face:camera'), name: 'face camera' });
  return { camera, description: source.description, owned: true };
}
