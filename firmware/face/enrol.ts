// Enrolment: photos → template → store (template, face credential, consent) → live gallery.
import { AccessRepository, FACE_CONSENT, generateId } from '../access/index.js';
import { META_KEYS, type Store } from '../store/index.js';
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
  /** Gallery version after the change. */
  galleryVersion: number;
  /** JPEG of the chosen face, only with keepPhoto. */
  photo?: Buffer;
}

/**
 * Enrols a person's face: checks the photos' quality, builds the template (the
 * normalised mean of the usable faces' embeddings), warns when it already matches
 * someone else, then writes the template, the face credential and the consent
 * record in one transaction (the template encoded with `store.templateCodec`,
 * sealed on a terminal with a data key), bumps the gallery version and adds the template to
 * `gallery` (the live matcher, or a LiveGallery) so the next search finds it.
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
    const replaced = replace
      ? store.db.prepare<[string, string], string>('SELECT id FROM face_templates WHERE person_id = ? AND model_id = ?').pluck().all(personId, modelId)
      : [];
    if (replaced.length > 0) store.db.prepare('DELETE FROM face_templates WHERE person_id = ? AND model_id = ?').run(personId, modelId);
    store.db
      .prepare('INSERT INTO face_templates (id, person_id, model_id, dim, template, quality, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(templateId, personId, modelId, result.template.length, store.templateCodec.encode(templateId, result.template), null, store.clock.now());
    repo.addFaceCredential(personId);
    repo.grantConsent(personId, FACE_CONSENT, { source: options.consentSource ?? 'enrolment' });
    const galleryVersion = store.meta.increment(META_KEYS.galleryVersion);
    return { replaced, galleryVersion };
  });

  for (const id of written.replaced) gallery.remove(id);
  gallery.add(templateId, personId, result.template);

  return {
    personId,
    templateId,
    modelId,
    replaced: written.replaced,
    images: result.images,
    warnings: result.warnings,
    galleryVersion: written.galleryVersion,
    ...(result.photo && { photo: result.photo }),
  };
}
