import type { BoardDefinitionInput } from './types.js';

/**
 * Raspberry Pi 5, 64-bit Raspberry Pi OS (Bookworm). The 40-pin header GPIOs sit
 * on the RP1 south bridge, controller label "pinctrl-rp1". It was gpiochip4 on
 * early Pi 5 kernels and is gpiochip0 on current ones, and its sysfs base is 571
 * on Linux 6.6: only the label and the BCM line numbers are relied on, the rest is
 * read at run time. Wiring, config.txt and OSDP provisioning: docs/boards/rpi5.md.
 */
export const rpi5Board: BoardDefinitionInput = {
  name: 'rpi5',
  description: 'Raspberry Pi 5: relay and inputs on GPIO; OSDP reader (secure channel) on RS-485 with its LED and buzzer; SSD1306 on I2C-1; Pi camera.',
  roles: {
    doorRelay: { driver: 'gpio', contact: 'NC', pin: { chip: 'pinctrl-rp1', line: 17, header: 11 }, activeLow: true },
    doorContact: { driver: 'gpio', pin: { chip: 'pinctrl-rp1', line: 27, header: 13 }, activeLow: false, pull: 'up', debounceMs: 50 },
    exitButton: { driver: 'gpio', pin: { chip: 'pinctrl-rp1', line: 22, header: 15 }, activeLow: true, pull: 'up', debounceMs: 20 },
    tamper: { driver: 'gpio', pin: { chip: 'pinctrl-rp1', line: 5, header: 29 }, activeLow: false, pull: 'up', debounceMs: 50 },
    fireInput: { driver: 'gpio', pin: { chip: 'pinctrl-rp1', line: 6, header: 31 }, activeLow: false, pull: 'up', debounceMs: 100 },
    statusLed: { driver: 'osdp-led', color: 'green' },
    buzzer: { driver: 'osdp-buzzer' },
    cardReader: { driver: 'osdp', path: '/dev/ttyAMA0', baudRate: 9600, address: 0, scbkFile: '/etc/limen/osdp-scbk.hex' },
    camera: { driver: 'rpicam', width: 640, height: 480, fps: 15 },
    display: { driver: 'ssd1306', bus: 1, address: 0x3c },
  },
};
