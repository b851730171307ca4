/**
 * npm run bench:community [-- --faces DIR --days 30 --residents 300 --seed 1]
 *
 * A simulated community over 30 days, run through the site's clusterer and both
 * standing tasks at their default settings (tools/site/community/). Face templates
 * come from the real detector + embedder's distributions on the dev face set
 * (community-faces.ts); nothing else touches the real models.
 *
 * Population (seeded): residents with daily routines (gate → compound → building door,
 * out in the morning, home in the evening, some errands, some stay in, ~10% take a trip
 * of a few days), K unregistered occupants living like residents from a random day,
 * M residents moving out on a random day, visitors (a pool, some very frequent, a few
 * staying a night or two), regular workers (couriers on delivery rounds into the
 * buildings, cleaners working in the buildings by day) and one-off passers-by. Every
 * terminal has an entry and an exit camera and misses 15% of faces. Residents are
 * enrolled (one template each) and matched 1:N at the terminal's default threshold;
 * a face matched to nobody is a stranger and goes to the clusterer.
 *
 * Prints the measured and simulated similarity distributions, then:
 *   frequently appears: precision P, recall R
 *   persistently absent: precision P, recall R
 *   clustering purity: X
 *   days to find unregistered occupant: median X, max Y
 *   days to find mover-out: median X, max Y
 * A finding counts once per identity/person, on the day it is first made; recall counts
 * the occupants/movers found within 14 days. A finding whose identity is mostly someone
 * other than an unregistered occupant (or a second identity of an occupant already
 * found) is a false positive.
 */
import { Command } from 'commander';
import { faceThresholds } from '../../firmware/face/thresholds.js';
import { normalQuantile } from '../../firmware/vision/matcher/thresholds.js';
import { DEFAULT_JOIN_THRESHOLD, DEFAULT_MERGE_THRESHOLD, IncrementalClusterer } from '../site/community/cluster.js';
import {
  DEFAULT_ABSENCE_SETTINGS,
  DEFAULT_FREQUENT_SETTINGS,
  findFrequentlyAppearing,
  findPersistentlyAbsent,
  type Passage,
} from '../site/community/tasks.js';
import { embedFaceSet, fitTemplateModel, fmtStats, pairScores, stats, TemplateSource } from './community-faces.js';
import { rng } from './embeddings.js';

const program = new Command()
  .name('bench:community')
  .option('--faces <dir>', 'dev face set, one folder per identity (default: $LIMEN_FACES_DEV)', process.env.LIMEN_FACES_DEV)
  .option('--days <n>', 'days simulated', (v) => Number(v), 30)
  .option('--residents <n>', 'registered residents', (v) => Number(v), 300)
  .option('--unregistered <n>', 'unregistered occupants (K)', (v) => Number(v), 10)
  .option('--movers <n>', 'residents who move out (M)', (v) => Number(v), 10)
  .option('--seed <n>', 'random seed', (v) => Number(v), 1)
  .parse();
const opts = program.opts<{ faces?: string; days: number; residents: number; unregistered: number; movers: number; seed: number }>();

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIN = 60_000;
const FIND_WITHIN_DAYS = 14;
const MISS_RATE = 0.15;
const T0 = Date.UTC(2024, 2, 4); // a Monday, 00:00 UTC; the site runs on UTC (the default time zone)

// ---- faces ----

const faces = opts.faces === undefined ? null : await embedFaceSet(opts.faces);
if (!faces) {
  const what = opts.faces === undefined ? 'no face set given' : `face set ${opts.faces} not found`;
  process.stderr.write(`bench:community: ${what}. It needs labelled face photos (one folder per identity, e.g. the dev set faces-dev): pass --faces DIR or set LIMEN_FACES_DEV.\n`);
  process.exit(2);
}
const measured = pairScores(faces.map((f) => ({ label: f.label, e: f.e })));
const gen = stats(measured.genuine);
const imp = stats(measured.impostor);
const dim = faces[0]!.e.length;
const model = fitTemplateModel(gen, imp, dim);
const source = new TemplateSource(model, opts.seed);

console.log(`faces-dev through the real detector + embedder: ${faces.length} faces of ${new Set(faces.map((f) => f.label)).size} people, ${dim}-d`);
console.log(`  same person       ${fmtStats(gen)}`);
console.log(`  different people  ${fmtStats(imp)}`);
{
  // The same check on simulated sightings: 200 people × 4 sightings.
  const sim: Array<{ label: string; e: Float32Array }> = [];
  for (let p = 0; p < 200; p++) {
    const b = source.base();
    for (let k = 0; k < 4; k++) sim.push({ label: String(p), e: source.sighting(b) });
  }
  const s = pairScores(sim);
  console.log(`simulated sightings (a ~ N(${model.muA.toFixed(3)}, ${model.sdA.toFixed(3)}), bases in ${model.dEff} dims, common ${model.common.toFixed(3)}):`);
  console.log(`  same person       ${fmtStats(stats(s.genuine))}`);
  console.log(`  different people  ${fmtStats(stats(s.impostor))}`);
}
const ruleJoin = imp.mean + imp.sd * normalQuantile(1 - 0.01 / 2000);
console.log(
  `join threshold ${DEFAULT_JOIN_THRESHOLD} (false join ≤ 1% over 2,000 identities on the fitted normal: ${ruleJoin.toFixed(3)}; ` +
    `same-person pairs below it: ${measured.genuine.filter((g) => g < DEFAULT_JOIN_THRESHOLD).length}/${gen.n}), merge threshold ${DEFAULT_MERGE_THRESHOLD}`,
);

// ---- the community ----

const rand = rng(opts.seed * 7919 + 1);
const uniform = (lo: number, hi: number) => lo + (hi - lo) * rand();
const int = (lo: number, hi: number) => Math.floor(uniform(lo, hi + 1));
const normalish = (mean: number, sd: number) => mean + sd * (rand() + rand() + rand() + rand() - 2) * Math.sqrt(3);
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

type Kind = 'resident' | 'mover' | 'unregistered' | 'visitor' | 'worker' | 'passer';
interface Person {
  id: string;
  kind: Kind;
  base: Float32Array;
  building: number;
  /** Day from which they live here (unregistered occupants) / day they move out (movers). */
  from?: number;
  until?: number;
  /** Days away on a trip. */
  away?: Set<number>;
}

const BUILDINGS = 12;
const GATE_ZONE = 1;
const compoundOf = (b: number) => (b < BUILDINGS / 2 ? 2 : 3);
const buildingZone = (b: number) => 10 + b;

const people: Person[] = [];
const add = (kind: Kind, extra: Partial<Person> = {}) => {
  const p: Person = { id: `${kind}-${people.length}`, kind, base: source.base(), building: int(0, BUILDINGS - 1), ...extra };
  people.push(p);
  return p;
};
for (let i = 0; i < opts.residents; i++) {
  const away = new Set<number>();
  if (rand() < 0.1) {
    // A trip: 1 + exponential days (mean 2.5); a few are long enough to look like moving out.
    const start = int(0, opts.days - 1);
    const len = 1 + Math.floor(-2.5 * Math.log(1 - rand()));
    for (let d = start; d < start + len; d++) away.add(d);
  }
  add('resident', { away });
}
const lastMoveDay = opts.days - FIND_WITHIN_DAYS;
for (let i = 0; i < opts.movers; i++) people[i]!.kind = 'mover', people[i]!.until = int(2, lastMoveDay);
for (let i = 0; i < opts.unregistered; i++) add('unregistered', { from: int(0, lastMoveDay), away: new Set() });
const visitors = Array.from({ length: 150 }, () => add('visitor'));
const couriers = Array.from({ length: 8 }, () => add('worker'));
const cleaners = Array.from({ length: 4 }, () => add('worker'));

// ---- terminals ----

interface Sighting {
  at: number;
  person: Person;
  zoneId: number;
  zoneKind: string;
  direction: 'in' | 'out';
}
const zoneKind = (zoneId: number) => (zoneId === GATE_ZONE ? 'community' : zoneId < 10 ? 'compound' : 'building');
function walk(out: Sighting[], person: Person, at: number, zones: number[], direction: 'in' | 'out') {
  let t = at;
  for (const zoneId of zones) {
    out.push({ at: t, person, zoneId, zoneKind: zoneKind(zoneId), direction });
    t += int(1, 3) * MIN;
  }
}
const homeIn = (b: number) => [GATE_ZONE, compoundOf(b), buildingZone(b)];
const homeOut = (b: number) => [buildingZone(b), compoundOf(b), GATE_ZONE];

function daySightings(day: number): Sighting[] {
  const s: Sighting[] = [];
  const t = (h: number) => T0 + day * DAY + clamp(h, 0, 23.9) * HOUR;
  const weekday = day % 7 < 5;
  for (const p of people) {
    if (p.kind === 'resident' || p.kind === 'mover' || p.kind === 'unregistered') {
      if (p.from !== undefined && day < p.from) continue;
      if (p.until !== undefined && day > p.until) continue;
      const arriving = p.from === day && p.kind === 'unregistered';
      const leavingForGood = p.until === day;
      const away = p.away!.has(day);
      const wasAway = p.away!.has(day - 1);
      if (arriving) {
        walk(s, p, t(normalish(18, 1.5)), homeIn(p.building), 'in');
        continue;
      }
      if (away && wasAway) continue;
      if (away || leavingForGood) {
        walk(s, p, t(normalish(9, 1.5)), homeOut(p.building), 'out');
        continue;
      }
      if (wasAway) {
        walk(s, p, t(normalish(17, 2)), homeIn(p.building), 'in');
        continue;
      }
      const r = rand();
      if (r < 0.8 && (weekday || rand() < 0.6)) {
        const leave = normalish(weekday ? 8 : 10, 1);
        const back = Math.max(leave + 1, normalish(weekday ? 18.5 : 16, 1.5));
        walk(s, p, t(leave), homeOut(p.building), 'out');
        walk(s, p, t(back), homeIn(p.building), 'in');
      } else if (r < 0.9) {
        const leave = uniform(10, 16);
        walk(s, p, t(leave), homeOut(p.building), 'out');
        walk(s, p, t(leave + uniform(0.5, 2)), homeIn(p.building), 'in');
      } // else: a day at home
      if (rand() < 0.2) {
        const leave = uniform(19.5, 21);
        walk(s, p, t(leave), homeOut(p.building), 'out');
        walk(s, p, t(leave + uniform(0.3, 1.2)), homeIn(p.building), 'in');
      }
    }
  }
  // Visitors: ~25 visits a day from a pool where a few come very often (weights 1/rank).
  const weights = visitors.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const drawVisitor = () => {
    let x = rand() * total;
    for (let i = 0; i < visitors.length; i++) if ((x -= weights[i]!) <= 0) return visitors[i]!;
    return visitors[visitors.length - 1]!;
  };
  for (let v = 0; v < 25; v++) {
    const p = drawVisitor();
    const arrive = uniform(9, 20);
    walk(s, p, t(arrive), homeIn(p.building), 'in');
    if (rand() < 0.05) {
      // Stays the night (or two), leaves in the morning.
      const nights = int(1, 2);
      if (day + nights < opts.days) walk(s, p, t(24 * nights + normalish(9, 1)), homeOut(p.building), 'out');
    } else {
      walk(s, p, t(arrive + uniform(0.5, 3)), homeOut(p.building), 'out');
    }
  }
  // Couriers: six days a week, two or three rounds into several buildings.
  for (const c of couriers) {
    if ((day + c.building) % 7 === 0) continue;
    for (let round = int(2, 3); round > 0; round--) {
      let at = t(uniform(10, 20.5));
      s.push({ at, person: c, zoneId: GATE_ZONE, zoneKind: 'community', direction: 'in' });
      for (let k = int(3, 5); k > 0; k--) {
        const b = int(0, BUILDINGS - 1);
        at += int(2, 6) * MIN;
        s.push({ at, person: c, zoneId: buildingZone(b), zoneKind: 'building', direction: 'in' });
        at += int(2, 6) * MIN;
        s.push({ at, person: c, zoneId: buildingZone(b), zoneKind: 'building', direction: 'out' });
      }
      s.push({ at: at + 3 * MIN, person: c, zoneId: GATE_ZONE, zoneKind: 'community', direction: 'out' });
    }
  }
  // Cleaners: six days a week, three buildings between 7:30 and 17:00.
  for (const c of cleaners) {
    if (day % 7 === 6) continue;
    let at = t(normalish(7.5, 0.2));
    s.push({ at, person: c, zoneId: GATE_ZONE, zoneKind: 'community', direction: 'in' });
    for (let k = 0; k < 3; k++) {
      const b = (c.building + k) % BUILDINGS;
      at += 15 * MIN;
      s.push({ at, person: c, zoneId: buildingZone(b), zoneKind: 'building', direction: 'in' });
      at += 2.5 * HOUR;
      s.push({ at, person: c, zoneId: buildingZone(b), zoneKind: 'building', direction: 'out' });
    }
    s.push({ at: at + 10 * MIN, person: c, zoneId: GATE_ZONE, zoneKind: 'community', direction: 'out' });
  }
  // One-off passers-by: in through the gate and a compound, out again within the half hour.
  for (let k = 0; k < 20; k++) {
    const p = add('passer');
    const at = t(uniform(7, 22));
    const c = int(2, 3);
    walk(s, p, at, [GATE_ZONE, c], 'in');
    walk(s, p, at + int(5, 25) * MIN, [c, GATE_ZONE], 'out');
  }
  return s.filter((x) => x.at < T0 + opts.days * DAY).sort((a, b) => a.at - b.at);
}

// ---- the site ----

const enrolled = people.filter((p) => p.kind === 'resident' || p.kind === 'mover');
const gallery = enrolled.map((p) => ({ person: p, template: source.sighting(p.base) }));
// The gallery as one row-major Float64 matrix: the 1:N scan is most of the bench's time.
const galleryMatrix = new Float64Array(gallery.length * dim);
gallery.forEach((g, i) => galleryMatrix.set(g.template, i * dim));
const query = new Float64Array(dim);
const matchThreshold = faceThresholds('faceplugin-0.0.1').identify;
const lastPassage = new Map<string, number>();
let nextId = 0;
const clusterer = new IncrementalClusterer({ joinThreshold: DEFAULT_JOIN_THRESHOLD, mergeThreshold: DEFAULT_MERGE_THRESHOLD, newId: () => `anon-${++nextId}` });
const passages = new Map<string, Passage[]>();
const labels = new Map<string, Map<string, number>>();
let falseRejects = 0;
let falseMatches = 0;
let faceSightings = 0;

function sightAt(x: Sighting): void {
  if (rand() < MISS_RATE) return;
  faceSightings++;
  const template = source.sighting(x.person.base);
  query.set(template);
  let best = -Infinity;
  let bestPerson: Person | null = null;
  for (let i = 0, row = 0; i < gallery.length; i++, row += dim) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += galleryMatrix[row + k]! * query[k]!;
    if (s > best) {
      best = s;
      bestPerson = gallery[i]!.person;
    }
  }
  const enrolledSelf = x.person.kind === 'resident' || x.person.kind === 'mover';
  if (best >= matchThreshold && bestPerson) {
    if (bestPerson !== x.person) falseMatches++;
    lastPassage.set(bestPerson.id, Math.max(lastPassage.get(bestPerson.id) ?? 0, x.at));
    return;
  }
  if (enrolledSelf) falseRejects++;
  const r = clusterer.add(template);
  const list = passages.get(r.identityId) ?? [];
  const counts = labels.get(r.identityId) ?? new Map<string, number>();
  for (const m of r.mergedIds) {
    list.push(...(passages.get(m) ?? []));
    for (const [k, v] of labels.get(m) ?? []) counts.set(k, (counts.get(k) ?? 0) + v);
    passages.delete(m);
    labels.delete(m);
  }
  list.push({ at: x.at, terminalId: `${x.zoneId}-${x.direction}`, zoneId: x.zoneId, zoneKind: x.zoneKind, direction: x.direction });
  counts.set(x.person.id, (counts.get(x.person.id) ?? 0) + 1);
  passages.set(r.identityId, list);
  labels.set(r.identityId, counts);
}

const majority = (counts: Map<string, number>) => [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
const byId = new Map(people.map((p) => [p.id, p]));
const flaggedIdentity = new Map<string, number>(); // identity → day first flagged
const flaggedPerson = new Map<string, number>();
const occupantFound = new Map<string, number>(); // occupant → day found
const duplicateOrWrong: string[] = [];
const started = performance.now();

for (let day = 0; day < opts.days; day++) {
  for (const x of daySightings(day)) sightAt(x);
  const now = T0 + (day + 1) * DAY;
  const frequent = findFrequentlyAppearing([...passages].map(([id, p]) => ({ id, passages: p })), DEFAULT_FREQUENT_SETTINGS, now);
  for (const f of frequent) {
    if (flaggedIdentity.has(f.identityId)) continue;
    flaggedIdentity.set(f.identityId, day);
    const who = byId.get(majority(labels.get(f.identityId)!))!;
    if (who.kind === 'unregistered' && !occupantFound.has(who.id)) occupantFound.set(who.id, day + 1 - who.from!);
    else duplicateOrWrong.push(`${who.kind}${who.kind === 'unregistered' ? ' (again)' : ''}`);
  }
  const residents = enrolled
    .filter((p) => !flaggedPerson.has(p.id))
    .map((p) => ({ personId: p.id, lists: [] as string[], registeredAt: T0 - 365 * DAY, lastPassageAt: lastPassage.get(p.id) ?? T0 - DAY }));
  for (const f of findPersistentlyAbsent(residents, DEFAULT_ABSENCE_SETTINGS, now)) flaggedPerson.set(f.personId, day);
}

// ---- figures ----

const occupants = people.filter((p) => p.kind === 'unregistered');
const movers = people.filter((p) => p.kind === 'mover');
const fpTp = (tp: number, all: number) => (all === 0 ? 1 : tp / all);
const occupantTp = occupantFound.size;
const occupantRecall = [...occupantFound.values()].filter((d) => d <= FIND_WITHIN_DAYS).length / occupants.length;
const moverDays = new Map<string, number>();
let absentFp = 0;
const absentFpKinds: string[] = [];
for (const [id, day] of flaggedPerson) {
  const p = byId.get(id)!;
  if (p.kind === 'mover') moverDays.set(id, day + 1 - (p.until! + 1));
  else {
    absentFp++;
    absentFpKinds.push(p.away!.size > 0 ? `away ${p.away!.size} days` : 'at home, not seen');
  }
}
const moverRecall = [...moverDays.values()].filter((d) => d <= FIND_WITHIN_DAYS).length / movers.length;
let pure = 0;
let clustered = 0;
for (const counts of labels.values()) {
  clustered += [...counts.values()].reduce((a, b) => a + b, 0);
  pure += Math.max(...counts.values());
}
const med = (xs: number[]) => {
  if (xs.length === 0) return '-';
  const s = [...xs].sort((a, b) => a - b);
  return String(s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2);
};
const mx = (xs: number[]) => (xs.length === 0 ? '-' : String(Math.max(...xs)));

console.log(
  `\n${opts.days} days, ${opts.residents} residents (${movers.length} move out), ${occupants.length} unregistered occupants, ${visitors.length} visitors, ` +
    `${couriers.length + cleaners.length} workers, ${people.filter((p) => p.kind === 'passer').length} passers-by; ` +
    `${faceSightings} faces seen (${(MISS_RATE * 100).toFixed(0)}% missed), match threshold ${matchThreshold.toFixed(3)}: ` +
    `${falseRejects} resident faces not recognised, ${falseMatches} faces matched to the wrong resident; ` +
    `${labels.size} anonymous identities from ${clustered} stranger faces (${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
console.log(`  frequent-appearance findings that are not a new occupant: ${duplicateOrWrong.length ? duplicateOrWrong.join(', ') : 'none'}`);
console.log(`  absence findings that are not a mover-out: ${absentFpKinds.length ? absentFpKinds.join(', ') : 'none'}`);
console.log(`frequently appears: precision ${fpTp(occupantTp, flaggedIdentity.size).toFixed(2)}, recall ${occupantRecall.toFixed(2)}`);
console.log(`persistently absent: precision ${fpTp(moverDays.size, moverDays.size + absentFp).toFixed(2)}, recall ${moverRecall.toFixed(2)}`);
console.log(`clustering purity: ${(pure / clustered).toFixed(3)}`);
console.log(`days to find unregistered occupant: median ${med([...occupantFound.values()])}, max ${mx([...occupantFound.values()])}`);
console.log(`days to find mover-out: median ${med([...moverDays.values()])}, max ${mx([...moverDays.values()])}`);
