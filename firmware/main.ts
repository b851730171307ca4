#!/usr/bin/env node
// The shipped terminal's entry (dist/terminal.mjs from `npm run build`, started by
// board/limen-launch): `[run] [--config FILE] [--db PATH]`. It carries the firmware only,
// none of the CLI's development tools (simulator, MQTT broker, site server, benches).
import { main } from './run.js';

await main(process.argv.slice(2));
