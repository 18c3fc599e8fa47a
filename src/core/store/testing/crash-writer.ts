// Child process for the crash test (crash.test.ts): appends entries as fast as it can and prints each
// id on its own line only after `append` returned, i.e. after the commit was fsynced. The parent
// SIGKILLs it at random moments; every id it ever printed must then be in the database.
// Usage: node --import tsx crash-writer.ts <dataDir> [interleave]
// `interleave`: a 2 ms pause after each append, so two writers on one data directory take turns
// (SQLite's busy wait is not fair: a writer in a tight loop can hold the lock past the other's busy
// timeout when the machine is loaded, and that writer then fails with SQLITE_BUSY).
import { EntryStore } from '../entry-store.js';
import { samplePassage } from '../test-support.js';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: crash-writer <dataDir>\n');
  process.exit(2);
}
const interleave = process.argv[3] === 'interleave';
const store = EntryStore.open(dataDir);
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  if (interleave && i > 0) await new Promise((resolve) => setTimeout(resolve, 2));
  const { id } = store.append(samplePassage({ temperatureC: 36 + (i % 10) / 10 }));
  // Synchronous write to the pipe: the line leaves the process before the next append starts.
  process.stdout.write(`${id}\n`);
  if (i % 50 === 49) store.addOverride({ entry: { id }, decision: 'admit', guard: 'crash-test', note: 'override under load' });
}
