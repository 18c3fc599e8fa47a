// Opens a collector SQLite file in its own process, for the migration race test (db.test.ts): prints
// `opening` just before, then `ok` or `error: <message>`, and exits.
//   node --import tsx src/collector/testing/open-db-runner.ts FILE
import { CollectorDb } from '../db.js';

const path = process.argv[2];
if (!path) throw new Error('usage: open-db-runner.ts FILE');
process.stdout.write('opening\n');
try {
  const db = new CollectorDb(path);
  await db.close();
  process.stdout.write('ok\n');
} catch (err) {
  process.stdout.write(`error: ${(err as Error).message}\n`);
}
