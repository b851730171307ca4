/** The logging the SDK does; a pino logger fits. Silent when none is given. */
export interface FleetLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentFleetLogger: FleetLogger = { debug() {}, warn() {}, error() {} };
