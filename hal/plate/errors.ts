import { CodedError } from '../coded-error.js';

export type PlatePushErrorCode =
  | 'NOT_FOUND'
  | 'UNKNOWN_CAMERA'
  | 'METHOD_NOT_ALLOWED'
  | 'FORBIDDEN'
  | 'UNAUTHORIZED'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'BAD_XML'
  | 'BAD_JSON'
  | 'BAD_MULTIPART'
  | 'BAD_EVENT';

/** The HTTP status each refusal is answered with. */
export const PLATE_PUSH_STATUS: Readonly<Record<PlatePushErrorCode, number>> = {
  NOT_FOUND: 404,
  UNKNOWN_CAMERA: 404,
  METHOD_NOT_ALLOWED: 405,
  FORBIDDEN: 403,
  UNAUTHORIZED: 401,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BAD_XML: 400,
  BAD_JSON: 400,
  BAD_MULTIPART: 400,
  BAD_EVENT: 400,
};

/** A plate push refused: answered with PLATE_PUSH_STATUS[code] and `{ code, message }`. */
export class PlatePushError extends CodedError<PlatePushErrorCode> {
  override readonly name = 'PlatePushError';
  get status(): number {
    return PLATE_PUSH_STATUS[this.code];
  }
}
