// Real-GPIO run of the DigitalOutput and DigitalInput contracts, through onoff and
// a jumper wire from one header pin to another. Skipped unless both are named:
//   LIMEN_HW_GPIO_OUT=pinctrl-bcm2711:20 LIMEN_HW_GPIO_IN=pinctrl-bcm2711:21
import { GpioInput, GpioOutput, onoffNative } from '../../../hal/gpio/index.js';
import { resolveGpio } from '../../../hal/gpio/native.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { inputContract } from '../contracts/input.js';
import { outputContract } from '../contracts/output.js';
import { until } from '../serial/wait.js';
import { pinFromEnv } from './env.js';

const out = pinFromEnv('LIMEN_HW_GPIO_OUT');
const inp = pinFromEnv('LIMEN_HW_GPIO_IN');

if (!out || !inp) {
  console.log('skipped: real GPIO loopback suites (LIMEN_HW_GPIO_OUT and LIMEN_HW_GPIO_IN not set)');
} else {
  const native = onoffNative();
  const inGpio = resolveGpio(native.chips(), inp);

  outputContract(`GpioOutput on ${out.chip}:${out.line}, read back on ${inp.chip}:${inp.line}`, async () => {
    const device = new GpioOutput({ pin: out });
    const probe = native.open({ gpio: inGpio, direction: 'in', edge: 'none' });
    const close = device.close.bind(device);
    device.close = async () => {
      await close();
      probe.release();
    };
    return { device, control: { level: () => probe.read() === 1 } };
  });

  inputContract(`GpioInput on ${inp.chip}:${inp.line}, driven from ${out.chip}:${out.line}`, async () => {
    const clock = new FakeClock();
    const driver = native.open({ gpio: resolveGpio(native.chips(), out), direction: 'low', edge: 'none' });
    const device = new GpioInput({ pin: inp, clock, debounceMs: 20 });
    const close = device.close.bind(device);
    device.close = async () => {
      await close();
      driver.write(0);
      driver.release();
    };
    let driven = false;
    return {
      device,
      control: {
        debounceMs: 20,
        drive: (active) => {
          driven = active;
          driver.write(active ? 1 : 0);
        },
        // the edge arrives through epoll: wait until the driver has seen it
        settle: () => until(() => device.raw === driven, 'the edge to arrive'),
        advance: (ms) => clock.advance(ms),
        now: () => clock.now(),
      },
    };
  });
}
