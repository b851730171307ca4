// `limen sim` without --db / --config: the broker and the sim terminals, their URLs
// printed, until SIGINT / SIGTERM.
import type { Logger } from '../../firmware/log.js';
import { ListenError } from '../../firmware/page-server.js';
import { printFaceDecisions } from './face-decisions.js';
import { startSimulation, type Simulation, type SimulationOptions } from './simulation.js';

/** The broker port `npm start` prefers, so `limen fleet` finds it without --url. */
export const PREFERRED_MQTT_PORT = 1883;

/** Starts the simulation on the preferred MQTT port, or a free one when it is taken (unless a port was asked for). */
export async function startOnPreferredPort(options: SimulationOptions): Promise<Simulation> {
  if (options.mqttPort !== undefined) return startSimulation(options);
  try {
    return await startSimulation({ ...options, mqttPort: PREFERRED_MQTT_PORT });
  } catch (err) {
    if (!(err instanceof ListenError && err.role === 'MQTT broker' && (err.code === 'PORT_IN_USE' || err.code === 'PORT_FORBIDDEN'))) throw err;
    return startSimulation({ ...options, mqttPort: 0 });
  }
}

export function describeSimulation(sim: Simulation): string[] {
  const width = Math.max(...sim.terminals.map((t) => t.id.length));
  return [
    `Limen simulation, site "${sim.site}"`,
    `MQTT broker: ${sim.brokerUrl}`,
    ...sim.services.flatMap((s) => [`${s.name}: ${s.url}`, ...(s.notes ?? [])]),
    ...sim.terminals.map((t) => `Control panel ${t.id.padEnd(width)} (${t.name}): ${t.panelUrl}`),
    ...sim.terminals.flatMap((t) => (t.plateCameraUrl ? [`Plate camera ${t.id}: ${t.plateCameraUrl}`] : [])),
    // Terminals that trust a signing key take only signed commands.
    `Try: npm run limen -- fleet --url ${sim.brokerUrl} --site ${sim.site}${sim.signingKey ? ` --signing-key ${sim.signingKey.file}` : ''} terminals`,
  ];
}

export async function runSimulation(options: SimulationOptions & { logger: Logger }): Promise<void> {
  const sim = await startOnPreferredPort(options);
  for (const line of describeSimulation(sim)) console.log(line);
  for (const t of sim.terminals) {
    const names = { terminalId: t.id, personName: (id: string) => t.terminal.access.repository.getPerson(id)?.name };
    if (t.terminal.face) printFaceDecisions(t.terminal.face, (line) => console.log(line), names);
    void t.terminal.face?.whenReady().then((s) => {
      if (s.state === 'running') console.log(`${t.id}: face recognition on (${s.modelSet}, ${s.templates} enrolled, camera: ${s.camera})`);
      else if (s.state === 'failed') console.log(`${t.id}: face recognition unavailable: ${s.error?.message} (cards and the door work)`);
    });
  }
  const stop = async () => {
    await sim.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
