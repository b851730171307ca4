/**
 * An error with a stable, machine-readable code. Each area (hal, access, vision, …)
 * narrows `C` to its own union of codes and names its subclass.
 */
export class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
