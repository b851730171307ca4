/**
 * Shared set-ups for face tests at a door: pushing frames and waiting for the face service,
 * a person walking up to the camera, and a face door built from parts over a sealed store
 * (no Terminal, no network).
 */
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { SimCamera, type FrameInput } from '../../../hal/sim/camera.js';
import { SimOutput } from '../../../hal/sim/output.js';
import { AccessService } from '../../../firmware/access/index.js';
import { defaultConfig } from '../../../firmware/config/index.js';
import { DoorController } from '../../../firmware/door/controller.js';
import { FaceService, type FaceCredential, type FaceFrameReport } from '../../../firmware/face/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { loadOrCreateDataKey } from '../../../firmware/security/index.js';
import { FaceSnapshots, sealedTemplateCodec, Store } from '../../../firmware/store/index.js';
import { emptyFrame, faceFrame, type DemoPhoto } from './frames.js';
import { sharedEngine } from '../vision/fixtures.js';
import type { ScoredBox } from '../../../firmware/vision/box.js';

export type FramePush = (frame: FrameInput) => Promise<FaceFrameReport>;

/** Pushes one frame and resolves once the face service has handled it (decisions included). */
export function framePusher(face: Pick<FaceService, 'onFrame'>, camera: Pick<SimCamera, 'pushFrame'>): FramePush {
  return (frame) => {
    const done = new Promise<FaceFrameReport>((resolve) => {
      const off = face.onFrame((r) => {
        off();
        resolve(r);
      });
    });
    assert.ok(camera.pushFrame(frame), 'camera running');
    return done;
  };
}

/** A person walking up: four frames of demo photo `n`, the face growing and drifting, 66 ms apart. */
export async function walkUp(push: FramePush, clock: FakeClock, n: DemoPhoto, box: ScoredBox, faceWidth = 140): Promise<FaceFrameReport[]> {
  const reports: FaceFrameReport[] = [];
  for (let i = 0; i < 4; i++) {
    reports.push(await push(await faceFrame(n, box, { faceWidth: faceWidth + 4 * i, at: [0.42 + 0.01 * i, 0.46 - 0.005 * i], jpegQuality: 40 })));
    clock.advance(66);
  }
  return reports;
}

/** The person leaves: their track ends on the next frame after the tracker's max age. */
export async function walkAway(push: FramePush, clock: FakeClock): Promise<void> {
  clock.advance(1_100);
  await push(emptyFrame());
}

/**
 * Terminal 'door-1' from its parts: a store in `dir` sealed under a data key, access in UTC,
 * a sim relay behind a door controller, a sim camera and a running face service whose
 * grants open the door; with `snapshots`, sealed face snapshots are kept too.
 */
export async function openSealedFaceDoor(dir: string, options: { snapshots?: boolean; strangerTemplateKey?: string } = {}) {
  const clock = new FakeClock();
  const logger = silentLogger();
  const key = loadOrCreateDataKey(join(dir, 'data.key'));
  const path = join(dir, 'terminal.db');
  const store = Store.open({ path, terminalId: 'door-1', clock, templateCodec: sealedTemplateCodec(key) });
  const snapshots = options.snapshots ? new FaceSnapshots(store, key) : undefined;
  const access = new AccessService({ store, timeZone: 'UTC', clock, logger });
  const relay = new SimOutput({ clock, name: 'doorRelay' });
  const door = new DoorController({ relay, clock, logger });
  const camera = new SimCamera({ clock });
  const face = new FaceService({
    config: defaultConfig('door-1', { face: { enabled: true, ...(options.strangerTemplateKey && { strangerTemplateKey: options.strangerTemplateKey }) } }).face,
    store,
    camera: { camera, description: 'sim camera', owned: true },
    sink: {
      present: async (credential: FaceCredential) => {
        const outcome = access.present(credential);
        if (outcome.decision.result === 'granted') door.grant({ source: 'grant' });
        return outcome;
      },
      prompt: () => {},
    },
    engine: await sharedEngine(),
    ...(snapshots && { snapshots }),
    clock,
    logger,
  });
  const status = await face.whenReady();
  assert.is(status.state, 'running', JSON.stringify(status.error));
  const close = async () => {
    await face.close();
    await door.close();
    store.close();
  };
  return { clock, store, path, snapshots, access, relay, door, camera, face, push: framePusher(face, camera), close };
}
