// Runs every HAL contract suite against the sim twins (and the clock contract
// against FakeClock and the system clock). Real drivers run the same suites.
import { systemClock } from '../../hal/clock.js';
import { FakeClock, SimCamera, SimCardReader, SimDisplay, SimInput, SimOutput } from '../../hal/sim/index.js';
import { cameraContract } from './contracts/camera.js';
import { clockContract } from './contracts/clock.js';
import { displayContract } from './contracts/display.js';
import { inputContract } from './contracts/input.js';
import { outputContract } from './contracts/output.js';
import { readerContract } from './contracts/reader.js';

clockContract('FakeClock', async () => {
  const clock = new FakeClock();
  return { device: clock, control: { advance: async (ms) => clock.advance(ms) } };
});

clockContract('systemClock', async () => ({
  device: systemClock,
  control: { advance: (ms) => new Promise<void>((resolve) => systemClock.setTimeout(resolve, ms)) },
}));

outputContract('SimOutput', async () => {
  const device = new SimOutput({ clock: new FakeClock() });
  return { device, control: { level: () => device.history.at(-1)?.active ?? false } };
});

inputContract('SimInput', async () => {
  const clock = new FakeClock();
  const device = new SimInput({ clock, debounceMs: 20 });
  return {
    device,
    control: { debounceMs: 20, drive: (a) => device.setRaw(a), advance: (ms) => clock.advance(ms), now: () => clock.now() },
  };
});

readerContract('SimCardReader', async () => {
  const device = new SimCardReader({ clock: new FakeClock() });
  return {
    device,
    control: { injectCard: (value) => void device.present(value), injectBadFrame: () => void device.emitBadFrame('parity error') },
  };
});

displayContract('SimDisplay', async () => {
  const device = new SimDisplay({ clock: new FakeClock() });
  return { device, control: { isBlank: () => device.current.title === '' && device.current.qr === undefined } };
});

cameraContract('SimCamera', async () => {
  const clock = new FakeClock();
  const device = new SimCamera({ clock });
  return {
    device,
    control: {
      frameSpec: { width: 8, height: 6, format: 'rgb24' },
      injectFrame: (frame) => {
        clock.advance(33);
        device.pushFrame(frame);
      },
    },
  };
});
