#!/usr/bin/env node
// npm run test:hardware: runs the HAL contract suites against real hardware on a
// Raspberry Pi or Jetson (see docs/boards/testing.md for the wiring and variables):
//   LIMEN_HW_GPIO_OUT / LIMEN_HW_GPIO_IN   two GPIO lines jumpered together (chip-label:line)
//   LIMEN_HW_SERIAL_A / LIMEN_HW_SERIAL_B  two UARTs cross-wired TX↔RX: the serial reader,
//                                          PN532, RDM6300, Wiegand-converter and OSDP suites
//                                          run over them instead of socat ptys
//   LIMEN_HW_I2C_BUS [LIMEN_HW_I2C_ADDRESS] an SSD1306 on that bus
// Anywhere else it prints one skip line and exits 0.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
let model = '';
try {
  model = readFileSync('/proc/device-tree/model', 'utf8').replace(/\0/g, '').trim();
} catch {
  // not a device-tree machine
}
const onBoard = /Raspberry Pi|Jetson/i.test(model) || process.env.LIMEN_HW === '1';
if (!onBoard) {
  console.log(`skipped: hardware suites (not a Raspberry Pi or Jetson${model ? `: ${model}` : ''}; set LIMEN_HW=1 to force, see docs/boards/testing.md)`);
  console.log('0 passed, 0 failed, 1 skipped');
  process.exit(0);
}

const filters = [];
if (process.env.LIMEN_HW_GPIO_OUT && process.env.LIMEN_HW_GPIO_IN) filters.push('test/hal/hardware/gpio');
if (process.env.LIMEN_HW_I2C_BUS !== undefined) filters.push('test/hal/hardware/display');
if (process.env.LIMEN_HW_SERIAL_A && process.env.LIMEN_HW_SERIAL_B) filters.push('test/hal/serial/', 'test/hal/wiegand/serial-reader', 'test/hal/osdp/control-panel');
if (filters.length === 0) {
  console.log(`${model || 'this board'}: no LIMEN_HW_* variable set, nothing to test; see docs/boards/testing.md`);
  process.exit(1);
}
console.log(`${model || 'forced (LIMEN_HW=1)'}: ${filters.join(', ')}`);
// one file at a time: the suites share the wired pins and ports
const result = spawnSync(process.execPath, ['test/run.mjs', ...filters], { cwd: root, stdio: 'inherit', env: { ...process.env, LIMEN_TEST_JOBS: '1' } });
process.exit(result.status ?? 1);
