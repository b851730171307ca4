/** A visitor pass's QR image held up to a whole terminal's sim camera. */
import sharp from 'sharp';
import type { StoredEvent } from '../../../firmware/store/index.js';
import type { Terminal } from '../../../firmware/terminal.js';
import { guard } from '../../sdk/helpers/wait.js';

/** Pushes `image` (PNG or screenshot) as three grey frames and resolves with the grant it produced. */
export async function showAtCamera(terminal: Terminal, image: Buffer, what: string): Promise<StoredEvent> {
  const { data, info } = await sharp(image).flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({ resolveWithObject: true });
  const granted = new Promise<StoredEvent>((resolve) => {
    const off = terminal.onEvent((e) => {
      if (e.result !== 'granted') return;
      off();
      resolve(e);
    });
  });
  const camera = terminal.board.sim.camera!;
  for (let i = 0; i < 3; i++) camera.pushFrame({ width: info.width, height: info.height, format: 'gray8', data: new Uint8Array(data) });
  return guard(granted, what);
}
