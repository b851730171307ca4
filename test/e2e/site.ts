// A small site for end-to-end tests: an in-process aedes broker and two sim terminals
// ('gate-1' with face recognition, 'door-1' with cards), each with its own fleet agent
// (config.fleet), and the gate's kiosk page. The simulator (tools/cli/simulation.ts)
// builds the same thing for `npm start`.
import { defaultConfig } from '../../firmware/config/index.js';
import { KioskServer } from '../../firmware/kiosk/index.js';
import { silentLogger } from '../../firmware/log.js';
import { Terminal } from '../../firmware/terminal.js';
import type { FaceEngine } from '../../firmware/vision/index.js';
import { startAedes, type TestBroker } from '../sdk/helpers/brokers.js';

export interface SiteTerminal {
  id: string;
  terminal: Terminal;
}

export interface TestSite {
  broker: TestBroker;
  terminals: SiteTerminal[];
  kiosk: KioskServer;
  close(): Promise<void>;
}

export async function startTestSite(engine: FaceEngine): Promise<TestSite> {
  const broker = await startAedes();
  const specs = [
    { id: 'gate-1', name: 'North gate', groups: ['gate'], face: true },
    { id: 'door-1', name: 'Building 3 lobby', groups: ['building-3'], face: false },
  ];
  const terminals: SiteTerminal[] = [];
  const closeAll = async () => {
    for (const t of terminals) await t.terminal.close();
    await broker.close();
  };
  try {
    for (const s of specs) {
      const config = defaultConfig(s.id, {
        store: { path: ':memory:' },
        terminal: { id: s.id, name: s.name, site: 'maple' },
        face: { enabled: s.face },
        fleet: { url: broker.url, groups: s.groups },
      });
      const terminal = await Terminal.open({ config, feedbackMs: 30_000, ...(s.face && { faceEngine: engine }) });
      terminals.push({ id: s.id, terminal });
      await terminal.face?.whenReady();
    }
    const kiosk = await KioskServer.start({ terminal: terminals[0]!.terminal, logger: silentLogger(), visitorUrl: 'https://example.org/visit/gate-1' });
    return {
      broker,
      terminals,
      kiosk,
      close: async () => {
        await kiosk.close();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
