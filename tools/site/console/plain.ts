// What the console tells the person at it when a terminal refuses: sentences, not schema
// paths or protocol codes (the codes stay in the JSON for programs).

/** Upload limit of a photo to enrol (a phone photo in base64 is about 4/3 of its size). */
export const MAX_PHOTO_UPLOAD_BYTES = 32 * 1024 * 1024;

/** Why the terminal's face detector gave up on a photo (the `reason` a terminal replies with). */
const FACE_REASONS: Record<string, string> = {
  NO_FACE: 'no face was found in the photo. Use a photo where the face is clearly visible.',
  NO_USABLE_FACE: 'the face in the photo is too small, blurred or turned away. Use a sharp photo taken from the front.',
  BAD_IMAGE: 'the photo could not be read as a picture.',
  MULTIPLE_FACES: 'the photo shows more than one face. Use a photo of the person alone.',
};

/** A sentence for a terminal's refusal, by its code (and `details.reason`). */
export function terminalProblem(err: Error & { code?: string; details?: Record<string, unknown> }): string {
  const reason = typeof err.details?.reason === 'string' ? err.details.reason : undefined;
  if (reason && FACE_REASONS[reason]) return FACE_REASONS[reason];
  switch (err.code) {
    case 'NOT_SUPPORTED':
      return 'face recognition is off on this terminal.';
    case 'CONSENT_REQUIRED':
      return "the person's consent to face recognition is missing.";
    case 'OFFLINE':
    case 'DISCONNECTED':
      return 'the terminal is offline; nothing was changed there.';
    case 'TIMEOUT':
      return 'the terminal did not answer in time; try again.';
    case 'PAYLOAD_TOO_LARGE':
      return 'the request was too large for the terminal.';
    default:
      // A schema path ("faces.0.photo.data: ...") means nothing to a person: keep the words after it.
      return err.message.replace(/^[\w$]+(?:\.[\w$]+)+: /, '');
  }
}
