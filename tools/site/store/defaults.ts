/** Defaults the CLI names in its help without loading the store (and its drivers). */
export const DEFAULT_DATABASE = 'var/site.db';
