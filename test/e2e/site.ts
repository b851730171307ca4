// A small site for end-to-end tests until the simulator's startSimulation is used:
// an in-process aedes broker, two sim terminals ('gate-1' with face recognition,
// 'door-1' with cards) each with a fleet agent, and the gate's kiosk page.
import { defaultConfig } from '../../firmware/config/index.js';
import { FleetAgent, CommandError, type CommandHandlers } from '../../firmware/fleet/index.js';
import { KioskServer } from '../../firmware/kiosk/index.js';
import { silentLogger } from '../../firmware/log.js';
import { Terminal } from '../../firmware/terminal.js';
import type { FaceEngine } from '../../firmware/vision/index.js';
import type { PersonRecord } from '../../sdk/src/index.js';
import { startAedes, type TestBroker } from '../sdk/helpers/brokers.js';

export interface SiteTerminal {
  id: string;
  terminal: Terminal;
  agent: FleetAgent;
}

export interface TestSite {
  broker: TestBroker;
  terminals: SiteTerminal[];
  kiosk: KioskServer;
  close(): Promise<void>;
}

/** Applies persons from the fleet to a terminal: person, groups, cards, and faces from photos. */
function handlers(terminal: Terminal): CommandHandlers {
  const repo = terminal.access.repository;
  const upsertOne = async (p: PersonRecord) => {
    for (const g of p.groups ?? []) if (!repo.getGroup(g)) repo.addGroup({ id: g, name: g, scheduleId: null });
    if (repo.getPerson(p.id)) repo.updatePerson(p.id, { name: p.name ?? p.id });
    else repo.addPerson({ id: p.id, name: p.name ?? p.id, groupIds: p.groups ?? [] });
    repo.setPersonGroups(p.id, p.groups ?? []);
    for (const c of p.credentials ?? []) if (c.type === 'card' && !repo.findCredential('card', c.value)) repo.addCard(p.id, c.value);
    const photos = (p.faces ?? []).flatMap((f) => ('photo' in f ? [Buffer.from(f.photo.data, 'base64')] : []));
    if (photos.length && terminal.face) {
      try {
        await terminal.face.enrol({ personId: p.id, images: photos, consent: true, consentSource: 'fleet' });
      } catch (err) {
        throw new CommandError('REJECTED', `face of ${p.id}: ${(err as Error).message}`);
      }
    }
  };
  return {
    unlock: (req) => {
      terminal.door.grant({ source: 'remote' });
      return { until: Date.now() + req.durationMs };
    },
    persons: {
      upsert: async (persons) => {
        for (const p of persons) await upsertOne(p);
        return { upserted: persons.length };
      },
      remove: (ids) => ({ removed: ids.filter((id) => repo.removePerson(id)).length }),
    },
  };
}

export async function startTestSite(engine: FaceEngine): Promise<TestSite> {
  const broker = await startAedes();
  const specs = [
    { id: 'gate-1', name: 'North gate', groups: ['gate'], face: true },
    { id: 'door-1', name: 'Building 3 lobby', groups: ['building-3'], face: false },
  ];
  const terminals: SiteTerminal[] = [];
  for (const s of specs) {
    const config = defaultConfig(s.id, { store: { path: ':memory:' }, terminal: { id: s.id, name: s.name, site: 'maple' }, face: { enabled: s.face } });
    const terminal = await Terminal.open({ config, feedbackMs: 30_000, ...(s.face && { faceEngine: engine }) });
    await terminal.face?.whenReady();
    const agent = new FleetAgent({
      site: 'maple',
      terminalId: s.id,
      mqtt: { url: broker.url, protocolVersion: 4, backoff: { initialMs: 50, maxMs: 300 } },
      identity: { firmware: 'limen 0.1.0', board: 'sim', groups: s.groups },
      events: terminal.store.events,
      handlers: handlers(terminal),
      logger: silentLogger(),
      healthIntervalMs: 60_000,
    });
    agent.start();
    terminals.push({ id: s.id, terminal, agent });
  }
  const kiosk = await KioskServer.start({ terminal: terminals[0]!.terminal, logger: silentLogger(), visitorUrl: 'https://example.org/visit/gate-1' });
  return {
    broker,
    terminals,
    kiosk,
    close: async () => {
      await kiosk.close();
      for (const t of terminals) {
        await t.agent.stop();
        await t.terminal.close();
      }
      await broker.close();
    },
  };
}
