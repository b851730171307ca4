export type ConfigErrorCode = 'CONFIG_NOT_FOUND' | 'CONFIG_PARSE' | 'CONFIG_INVALID' | 'CONFIG_VERSION';

/**
 * A config file that cannot be used. `message` is the first problem on one line
 * (`path: problem`); `issues` lists every problem found, one `path: problem` each.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    readonly issues: string[] = [message],
    /** The file (or other source) the config came from, when known. */
    readonly source?: string,
  ) {
    super(message);
  }
}

/**
 * The error for a person at a terminal: the one problem on one line, or a count line
 * followed by one indented `path: problem` line per problem, so that a fix-run-fix
 * loop is not needed to find them all.
 */
export function describeConfigError(err: ConfigError): string {
  if (err.issues.length <= 1) return err.message;
  const where = err.source ?? 'the config';
  return [`${err.issues.length} problems in ${where}:`, ...err.issues.map((issue) => `  ${issue}`)].join('\n');
}
