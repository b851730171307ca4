// `snapshots.get`: a sealed face snapshot an alert names, opened for the backend.
import { LIMITS, type CommandRequest, type CommandResult } from '@limen/sdk/protocol';
import type { FaceSnapshots } from '../store/index.js';
import { CommandError } from './errors.js';

export function faceSnapshotGetter(snapshots: FaceSnapshots): (req: CommandRequest<'snapshots.get'>) => CommandResult<'snapshots.get'> {
  return ({ id }) => {
    const found = snapshots.read(id);
    // Never kept, evicted, past retention, erased with its person, or sealed under another key.
    if (!found) throw new CommandError('NOT_FOUND', `face snapshot ${id}: none on this terminal`);
    if (found.jpeg.byteLength > LIMITS.maxFaceSnapshotBytes) {
      throw new CommandError('PAYLOAD_TOO_LARGE', `face snapshot ${id} is ${found.jpeg.byteLength} bytes, over the ${LIMITS.maxFaceSnapshotBytes}-byte limit`);
    }
    return { id, ts: found.info.ts, eventSeq: found.info.eventSeq, mime: 'image/jpeg', data: found.jpeg.toString('base64') };
  };
}
