// Real-I2C run of the Display contract on an SSD1306. Skipped unless the bus is named:
//   LIMEN_HW_I2C_BUS=1 [LIMEN_HW_I2C_ADDRESS=0x3c]
import { Ssd1306Display } from '../../../hal/display/index.js';
import { displayContract } from '../contracts/display.js';

const bus = process.env.LIMEN_HW_I2C_BUS;

if (bus === undefined) {
  console.log('skipped: real SSD1306 display suite (LIMEN_HW_I2C_BUS not set)');
} else {
  const address = Number(process.env.LIMEN_HW_I2C_ADDRESS ?? '0x3c');
  displayContract(`Ssd1306Display on /dev/i2c-${bus} at 0x${address.toString(16)}`, async () => ({
    device: new Ssd1306Display({ bus: Number(bus), address }),
    control: {},
  }));
}
