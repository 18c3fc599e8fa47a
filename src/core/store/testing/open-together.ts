// Child for crash.test.ts "opens one new log from several processes at once": loads, says `ready`,
// and opens the data directory only when the parent writes a line, so every child opens within the
// same moment (the first start of a kiosk while `kiosk export` or a second process opens it too).
// Usage: node --import tsx open-together.ts <dataDir>
import { EntryStore } from '../entry-store.js';
import { samplePassage } from '../test-support.js';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: open-together <dataDir>\n');
  process.exit(2);
}
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  try {
    const store = EntryStore.open(dataDir);
    store.append(samplePassage({}));
    store.close();
    process.stdout.write('opened\n');
    process.exit(0);
  } catch (err) {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  }
});
