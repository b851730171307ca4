// Child process for durability.test.ts: appends events to the store at argv[2]
// forever and prints each seq on its own line only after `append` returned, i.e.
// after the event was committed. The parent SIGKILLs it at random moments.
import { Store } from '../../../firmware/store/index.js';

const path = process.argv[2];
if (!path) throw new TypeError('usage: durability-writer.ts <db-path>');
const store = Store.open({ path, terminalId: 'durability' });
for (let i = 0; ; i++) {
  const e = store.events.append({
    type: i % 2 ? 'access.granted' : 'access.denied',
    result: i % 2 ? 'granted' : 'denied',
    reason: i % 2 ? 'granted' : 'unknown-credential',
    credentialType: 'card',
    credentialRef: String(1_000_000 + i),
    data: { credentialId: `w${process.pid}-${i}` },
  });
  // Pipes are written synchronously on Linux, so the line has left this process when write returns.
  process.stdout.write(`${e.seq}\n`);
}
