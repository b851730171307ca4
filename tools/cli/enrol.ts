// `limen enrol`: a person's face from photos into a terminal's database.
import { readFile, writeFile } from 'node:fs/promises';
import { AccessRepository } from '../../firmware/access/index.js';
import type { Config } from '../../firmware/config/index.js';
import { LiveGallery, enrolPerson, faceThresholds, type EnrolPersonResult } from '../../firmware/face/index.js';
import { silentLogger } from '../../firmware/log.js';
import type { Store } from '../../firmware/store/index.js';
import { FaceEngine } from '../../firmware/vision/index.js';
import { Matcher } from '../../firmware/vision/matcher/index.js';

export interface EnrolCommand {
  personId: string;
  photos: string[];
  /** The person agreed to face recognition (`--consent`). */
  consent: boolean;
  /** Create the person with this name when they do not exist yet. */
  name?: string;
  /** Groups for a person created here. Default 'residents' (created, open at all times). */
  groups?: string[];
  /** Write the chosen face as a JPEG to this file (nothing is stored otherwise). */
  keepPhoto?: string;
}

export interface EnrolIo {
  out(line: string): void;
  warn(line: string): void;
}

export const CONSENT_MESSAGE = "face enrolment needs the person's consent: add --consent once they have agreed";

/**
 * Enrols a face with the database's store. Refuses without consent before reading
 * anything; a person created here is removed again when the photos yield no face.
 */
export async function runEnrol(store: Store, config: Config, cmd: EnrolCommand, io: EnrolIo): Promise<EnrolPersonResult> {
  if (!cmd.consent) throw new Error(CONSENT_MESSAGE);
  if (cmd.photos.length === 0) throw new Error('give at least one photo');
  const images = await Promise.all(
    cmd.photos.map((p) =>
      readFile(p).catch((err: NodeJS.ErrnoException) => {
        throw new Error(`cannot read photo ${p} (${err.code ?? err.message})`);
      }),
    ),
  );
  const repo = new AccessRepository(store);
  let created = false;
  if (!repo.getPerson(cmd.personId)) {
    if (!cmd.name) throw new Error(`no person "${cmd.personId}" (add --name to create them)`);
    store.transaction(() => {
      const groupIds = (cmd.groups?.length ? cmd.groups : ['residents']).map(
        (g) => repo.getGroup(g)?.id ?? repo.addGroup({ id: g, name: g === 'residents' ? 'Residents' : g, scheduleId: null }).id,
      );
      repo.addPerson({ id: cmd.personId, name: cmd.name!, groupIds });
    });
    created = true;
  }

  let engine: FaceEngine | undefined;
  let gallery: LiveGallery | undefined;
  try {
    let announced = false;
    engine = await FaceEngine.create({
      ...(config.face.modelSet !== undefined && { modelSet: config.face.modelSet }),
      logger: silentLogger(),
      onProgress: (p) => {
        if (p.phase === 'download' && !announced) {
          announced = true;
          io.warn(`fetching face models (${p.tarball}) — once`);
        }
      },
    });
    const modelId = engine.modelSet.name;
    gallery = new LiveGallery(store, new Matcher({ dim: engine.modelSet.models.embed.dims }), modelId);
    const loaded = await gallery.load();
    // A template that does not open (another data key) would silently escape the duplicate check.
    if (loaded.skipped.length > 0) io.warn(`warning: ${loaded.skipped.length} face template(s) in the database could not be read (sealed under another data key?); the duplicate check does not cover them`);
    const result = await enrolPerson(store, gallery, engine, {
      personId: cmd.personId,
      images,
      consent: true,
      consentSource: 'cli',
      duplicateThreshold: faceThresholds(modelId, config.face.matchThreshold).identify,
      ...(cmd.keepPhoto && { keepPhoto: true }),
    });
    for (const w of result.warnings) {
      // Name the file rather than "photo 2".
      const about = w.image !== undefined ? cmd.photos[w.image] : undefined;
      io.warn(`warning: ${about ? `${about}: ${w.message.replace(/^photo \d+:\s*/, '')}` : w.message}`);
    }
    if (cmd.keepPhoto && result.photo) await writeFile(cmd.keepPhoto, result.photo);
    const used = result.images.filter((i) => i.used).length;
    const person = repo.getPerson(cmd.personId);
    io.out(
      `enrolled ${cmd.personId}${person ? ` (${person.name})` : ''}: ${used} of ${images.length} photo${images.length > 1 ? 's' : ''} used, ` +
        `template ${result.templateId} (${modelId})${result.replaced.length ? `, replaced ${result.replaced.length} earlier` : ''}` +
        `${cmd.keepPhoto ? `, face photo in ${cmd.keepPhoto}` : ''}`,
    );
    return result;
  } catch (err) {
    if (created) repo.removePerson(cmd.personId);
    throw err;
  } finally {
    await gallery?.close();
    await engine?.close();
  }
}
