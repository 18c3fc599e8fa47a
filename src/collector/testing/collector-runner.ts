// The collector as its own process, so the crash tests can SIGKILL it mid-batch: prints one JSON
// line `{"url": …, "port": …}` once listening, then serves until killed.
//   node --import tsx src/collector/testing/collector-runner.ts --db FILE
import { parseArgs } from 'node:util';
import { startCollector } from '../server.js';

const { values } = parseArgs({ options: { db: { type: 'string' } } });
if (!values.db) {
  process.stderr.write('usage: collector-runner --db FILE\n');
  process.exit(2);
}
const collector = await startCollector({ dbPath: values.db, rateLimit: { burst: 10_000, perSecond: 10_000 } });
process.stdout.write(JSON.stringify({ url: collector.url, port: collector.port }) + '\n');
