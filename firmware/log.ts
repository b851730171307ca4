import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';

/** The logger every module receives. Namespaces read like `limen:hal:wiegand`. */
export type Logger = PinoLogger;

export interface CreateLoggerOptions {
  level?: LoggerOptions['level'];
  /** Write to this stream instead of stdout (tests pass a collecting stream). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LIMEN_LOG_LEVEL ?? 'info';
  const base = { ns: 'limen' };
  return options.destination
    ? pino({ level, base }, options.destination as pino.DestinationStream)
    : pino({ level, base });
}

/** A child logger for one namespace: `child(log, 'hal:wiegand')` logs with `ns: "limen:hal:wiegand"`. */
export function child(logger: Logger, namespace: string): Logger {
  const parent = (logger.bindings().ns as string | undefined) ?? 'limen';
  return logger.child({ ns: `${parent}:${namespace}` });
}

/** A logger that drops everything, for tests and tools that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
