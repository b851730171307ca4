import type { BoardDefinitionInput } from './types.js';

/**
 * NVIDIA Jetson Orin Nano developer kit (JetPack 6). Header GPIOs are lines of the
 * main controller "tegra234-gpio" (line offsets as NVIDIA's Jetson.GPIO pin table
 * gives them for the Orin NX/Nano carrier). The header pads must be muxed as GPIO
 * (jetson-io) and the inputs need external pull-ups. Header UART (pins 8/10) is
 * /dev/ttyTHS1 on JetPack 6, header I2C (pins 3/5) is bus 7. See
 * docs/boards/jetson-orin-nano.md.
 */
export const jetsonOrinNanoBoard: BoardDefinitionInput = {
  name: 'jetson-orin-nano',
  description: 'Jetson Orin Nano dev kit: relay, inputs, LED and buzzer on GPIO; Wiegand reader through a serial converter; SSD1306 on I2C-7; CSI camera via Argus.',
  roles: {
    doorRelay: { driver: 'gpio', contact: 'NO', pin: { chip: 'tegra234-gpio', line: 105, header: 29 }, activeLow: true },
    doorContact: { driver: 'gpio', pin: { chip: 'tegra234-gpio', line: 106, header: 31 }, activeLow: false, pull: 'up', debounceMs: 50 },
    exitButton: { driver: 'gpio', pin: { chip: 'tegra234-gpio', line: 43, header: 33 }, activeLow: true, pull: 'up', debounceMs: 20 },
    tamper: { driver: 'gpio', pin: { chip: 'tegra234-gpio', line: 53, header: 35 }, activeLow: false, pull: 'up', debounceMs: 50 },
    fireInput: { driver: 'gpio', pin: { chip: 'tegra234-gpio', line: 124, header: 37 }, activeLow: false, pull: 'up', debounceMs: 100 },
    statusLed: { driver: 'gpio', pin: { chip: 'tegra234-gpio', line: 52, header: 38 } },
    buzzer: { driver: 'gpio', pin: { chip: 'tegra234-gpio', line: 51, header: 40 } },
    cardReader: { driver: 'wiegand-serial', path: '/dev/ttyTHS1', baudRate: 9600 },
    camera: { driver: 'jetson-argus', width: 640, height: 480, fps: 15 },
    display: { driver: 'ssd1306', bus: 7, address: 0x3c },
  },
};
