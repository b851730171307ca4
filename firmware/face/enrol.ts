// Enrolment: photos → template → store (template, face credential, consent) → live gallery.
import { AccessRepository, FACE_CONSENT, generateId } from '../access/index.js';
import type { Store } from '../store/index.js';
import { enrolFromImages, type EnrolImageReport, type EnrolWarning, type FaceEngine, type QualityThresholds } from '../vision/index.js';
import { FaceError } from './errors.js';
import type { GalleryWriter } from './gallery.js';
import { faceThresholds } from './thresholds.js';

export interface EnrolPersonOptions {
  personId: string;
  /** Encoded photos (JPEG, PNG, WebP…), one face each ideally; the best face of each is used. */
  images: readonly Uint8Array[];
  /** The person agreed to biometric identification. Nothing is analysed or stored without it. */
  consent: true;
  /** Return a JPEG of the chosen face (`photo`). It is never written to the store. */
  keepPhoto?: boolean;
  /** Recorded with the consent, e.g. 'cli', 'fleet', 'kiosk'. Default 'enrolment'. */
  consentSource?: string;
  /** Replace the person's earlier templates of this model (default true) or add another. */
  replace?: boolean;
  /** Score at which the face counts as someone else's already. Default: the model set's identify threshold. */
  duplicateThreshold?: number;
  quality?: Partial<QualityThresholds>;
}

export interface EnrolPersonResult {
  personId: string;
  templateId: string;
  /** `face_templates.model_id`: the model set name. */
  modelId: string;
  /** Templates of this person and model the new one replaced. */
  replaced: string[];
  /** Per photo: faces found, the face chosen, whether it was used. */
  images: EnrolImageReport[];
  /** Problems worth showing: photos without a usable face, a face that matches another person. */
  warnings: EnrolWarning[];
  /** Templates version after the change (`store.templates.version()`). */
  templatesVersion: number;
  /** JPEG of the chosen face, only with keepPhoto. */
  photo?: Buffer;
}

/**
 * Enrols a person's face: checks the photos' quality, builds the template (the
 * normalised mean of the usable faces' embeddings), warns when it already matches
 * someone else, then writes the template, the face credential and the consent
 * record in one transaction through the template store (as a fleet sync does: sealed
 * on a terminal with a data key, the templates version bumped); every LiveGallery of
 * the store has the template when this returns. `gallery` is searched for duplicates.
 *
 * Throws FaceError CONSENT_REQUIRED (before reading any photo) without consent,
 * PERSON_NOT_FOUND for an unknown person, VisionError NO_FACE / NO_USABLE_FACE /
 * BAD_IMAGE when no photo yields a usable face. Nothing is written on any error.
 */
export async function enrolPerson(store: Store, gallery: GalleryWriter, engine: FaceEngine, options: EnrolPersonOptions): Promise<EnrolPersonResult> {
  if (!options || typeof options !== 'object') throw new TypeError('enrolPerson: options are required');
  if (options.consent !== true) throw new FaceError('CONSENT_REQUIRED', 'face enrolment needs the person\'s consent');
  const { personId } = options;
  if (typeof personId !== 'string' || personId === '') throw new TypeError('enrolPerson: personId is required');
  const repo = new AccessRepository(store);
  if (!repo.getPerson(personId)) throw new FaceError('PERSON_NOT_FOUND', `no person ${personId}`);
  const modelId = engine.modelSet.name;
  const duplicateThreshold = options.duplicateThreshold ?? faceThresholds(modelId).identify;

  const result = await enrolFromImages(options.images, {
    consent: true,
    engine,
    matcher: gallery,
    personId,
    duplicateThreshold,
    ...(options.keepPhoto && { keepPhoto: true }),
    ...(options.quality && { quality: options.quality }),
  });

  const templateId = generateId();
  const replace = options.replace ?? true;
  const written = store.transaction(() => {
    // The person may have been erased while the photos were analysed.
    if (!repo.getPerson(personId)) throw new FaceError('PERSON_NOT_FOUND', `no person ${personId}`);
    const replaced = store.templates.replace(personId, [{ id: templateId, modelId, template: result.template }], replace ? [modelId] : []);
    repo.addFaceCredential(personId);
    repo.grantConsent(personId, FACE_CONSENT, { source: options.consentSource ?? 'enrolment' });
    return { replaced, templatesVersion: store.templates.version() };
  });

  return {
    personId,
    templateId,
    modelId,
    replaced: written.replaced,
    images: result.images,
    warnings: result.warnings,
    templatesVersion: written.templatesVersion,
    ...(result.photo && { photo: result.photo }),
  };
}
