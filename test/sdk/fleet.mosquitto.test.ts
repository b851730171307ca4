import { hasMosquitto, startMosquitto } from './helpers/brokers.js';
import { fleetSuite } from './helpers/fleet-suite.js';

// MQTT 5 through a real Mosquitto started for this file.
if (hasMosquitto()) fleetSuite(startMosquitto);
else console.log('skipped: fleet end-to-end suite on Mosquitto (mosquitto not installed)');
