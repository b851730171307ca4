import type { BoardDefinitionInput } from './types.js';

/**
 * Raspberry Pi 4 Model B, 64-bit Raspberry Pi OS (Bookworm). GPIO lines are BCM
 * numbers on the controller labelled "pinctrl-bcm2711" (gpiochip0; sysfs base 512
 * on Linux 6.6+, read at run time). Wiring and config.txt: docs/boards/rpi4.md.
 */
export const rpi4Board: BoardDefinitionInput = {
  name: 'rpi4',
  description: 'Raspberry Pi 4 B: relay, inputs, LED and buzzer on GPIO; PN532 on the header UART; SSD1306 on I2C-1; Pi camera.',
  roles: {
    doorRelay: { driver: 'gpio', contact: 'NO', pin: { chip: 'pinctrl-bcm2711', line: 17, header: 11 }, activeLow: true },
    doorContact: { driver: 'gpio', pin: { chip: 'pinctrl-bcm2711', line: 27, header: 13 }, activeLow: false, pull: 'up', debounceMs: 50 },
    exitButton: { driver: 'gpio', pin: { chip: 'pinctrl-bcm2711', line: 22, header: 15 }, activeLow: true, pull: 'up', debounceMs: 20 },
    tamper: { driver: 'gpio', pin: { chip: 'pinctrl-bcm2711', line: 5, header: 29 }, activeLow: false, pull: 'up', debounceMs: 50 },
    fireInput: { driver: 'gpio', pin: { chip: 'pinctrl-bcm2711', line: 6, header: 31 }, activeLow: false, pull: 'up', debounceMs: 100 },
    statusLed: { driver: 'gpio', pin: { chip: 'pinctrl-bcm2711', line: 23, header: 16 } },
    buzzer: { driver: 'gpio', pin: { chip: 'pinctrl-bcm2711', line: 24, header: 18 } },
    cardReader: { driver: 'pn532', path: '/dev/serial0', baudRate: 115_200 },
    camera: { driver: 'rpicam', width: 640, height: 480, fps: 15 },
    display: { driver: 'ssd1306', bus: 1, address: 0x3c },
  },
};
