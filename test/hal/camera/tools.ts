/** Which external tools the camera tests can use. */
import { spawnSync } from 'node:child_process';

function runs(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

export const hasFfmpeg = runs('ffmpeg', ['-hide_banner', '-version']);

/** gst-launch-1.0 with the base and good plugins the sources use. */
export const hasGstreamer =
  runs('gst-launch-1.0', ['--version']) &&
  ['videotestsrc', 'videoconvert', 'videoscale', 'videorate', 'imagefreeze', 'pngdec', 'avidemux', 'jpegdec', 'fdsink'].every((e) => runs('gst-inspect-1.0', ['--exists', e]));

/** True while a process with this pid exists (zombies included). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
