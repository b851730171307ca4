// Played media as a camera: an ffmpeg child process that plays a test pattern, an image,
// a folder of images or a video as camera frames (config face.camera), so that a sim
// terminal can see faces. Picking this driver is the board factory's job, like every
// other: the firmware says what to play (firmware/face/camera.ts), never which driver.
import type { Camera } from '../hal/camera.js';
import { ProcessCamera, type CameraLogger, type ProcessSource } from '../hal/camera/process-camera.js';
import { ffmpegTestSource, imageFolderSource, imageSource, videoSource } from '../hal/camera/sources.js';
import type { Clock } from '../hal/clock.js';

/** What to play; the shape of the config's `face.camera` (firmware/config/schema.ts). */
export type PlayedMedia =
  | { source: 'none' }
  | { source: 'test-pattern'; fps: number }
  | { source: 'image'; path: string; fps: number }
  | { source: 'image-folder'; path: string; secondsPerImage: number; fps: number }
  | { source: 'video'; path: string; loop: boolean; fps: number };

/** The child process that plays the media: its command line and a description for logs. */
export type PlayedMediaSource = ProcessSource;

/** The command line that plays `media` at `size`, or null for `none`. Throws TypeError for an unknown source. */
export function playedMediaSource(media: PlayedMedia, size: { width: number; height: number }): PlayedMediaSource | null {
  const { width, height } = size;
  switch (media.source) {
    case 'none':
      return null;
    case 'test-pattern':
      return ffmpegTestSource({ width, height, fps: media.fps });
    case 'image':
      return imageSource({ path: media.path, width, height, fps: media.fps });
    case 'image-folder':
      return imageFolderSource({ dir: media.path, secondsPerImage: media.secondsPerImage, width, height, fps: media.fps });
    case 'video':
      return videoSource({ path: media.path, loop: media.loop, width, height, fps: media.fps });
    default: {
      const source = (media as { source?: unknown }).source;
      throw new TypeError(`face.camera.source: unknown source ${String(source)}; valid: none, test-pattern, image, image-folder, video`);
    }
  }
}

/** The camera that runs `source` (restarted with backoff when it crashes; the caller stops it). */
export function openPlayedMediaCamera(source: PlayedMediaSource, options: { clock: Clock; logger: CameraLogger; name: string }): Camera {
  return new ProcessCamera({ source, clock: options.clock, logger: options.logger, name: options.name });
}
