import { startAedes } from './helpers/brokers.js';
import { fleetSuite } from './helpers/fleet-suite.js';

// MQTT 3.1.1 through aedes, in this process.
fleetSuite(startAedes);
