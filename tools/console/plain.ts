// What the console tells the person at it when something fails: sentences, not schema
// paths or protocol codes (the codes stay in the JSON for programs).
import { ID_RULE } from '../../sdk/src/protocol/ids.js';

/** Upload limit of the console's HTTP API (a phone photo in base64 is about 4/3 of its size). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

interface Issue {
  code: string;
  path: readonly PropertyKey[];
  message: string;
}

/** A sentence for the first problem in a person form. */
export function personInputProblem(issue: Issue | undefined): string {
  const field = String(issue?.path[0] ?? '');
  const missing = issue?.code === 'invalid_type';
  switch (field) {
    case 'name':
      return missing ? 'Enter a name.' : `Name: ${issue!.message}`;
    case 'cards':
      return 'A card number is 1 to 20 digits, nothing else.';
    case 'groups':
      return `A group name is ${ID_RULE}.`;
    case 'id':
      return `A person id is ${ID_RULE}.`;
    case 'terminals':
      return `A terminal id is ${ID_RULE}.`;
    case 'photo':
      return issue!.path[1] === 'data' && issue!.code === 'too_big'
        ? `The photo file is too large to upload (over ${Math.floor((MAX_BODY_BYTES * 3) / 4 / 2 ** 20)} MB).`
        : 'The photo must be a JPEG, PNG or WebP picture.';
    case 'consent':
      return 'Consent is a tick box: yes or no.';
    default:
      return issue?.code === 'unrecognized_keys' ? 'The form sent fields the console does not know.' : 'The form could not be read.';
  }
}

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
