// The fleet console: a web app over the fleet SDK.
export { startConsole, type ConsoleOptions, type RunningConsole } from './server.js';
export { PersonInputSchema, ConsoleError, type PersonInput, type ConsoleErrorCode } from './api.js';
export type { ConsoleTerminal, ConsoleEvent, ConsolePerson, ConsoleMessage } from './model.js';
export { consoleService } from './service.js';
