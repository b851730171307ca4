import type { BoardDefinitionInput } from './types.js';

/** The simulated board: every role present, every device a sim twin. */
export const simBoard: BoardDefinitionInput = {
  name: 'sim',
  description: 'Simulated terminal for PCs and tests; every role served by a sim twin.',
  roles: {
    doorRelay: { driver: 'sim', contact: 'NC' },
    doorContact: { driver: 'sim', debounceMs: 20 },
    exitButton: { driver: 'sim', debounceMs: 20 },
    tamper: { driver: 'sim', debounceMs: 20 },
    fireInput: { driver: 'sim', debounceMs: 50 },
    statusLed: { driver: 'sim' },
    buzzer: { driver: 'sim' },
    cardReader: { driver: 'sim' },
    camera: { driver: 'sim', width: 640, height: 480 },
    irCamera: { driver: 'sim', width: 640, height: 480 },
    irLed: { driver: 'sim' },
    display: { driver: 'sim' },
  },
};
