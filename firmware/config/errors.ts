export type ConfigErrorCode = 'CONFIG_NOT_FOUND' | 'CONFIG_PARSE' | 'CONFIG_INVALID' | 'CONFIG_VERSION';

/** A config file that cannot be used. `message` is one line: `path: problem`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    readonly issues: string[] = [message],
  ) {
    super(message);
  }
}
