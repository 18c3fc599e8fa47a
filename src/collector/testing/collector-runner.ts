// The collector as its own process, so the crash tests can SIGKILL it mid-batch and the balancer
// tests can run two of them on one database: prints one JSON line `{"url": …, "port": …}` once
// listening, then serves until killed.
//   node --import tsx src/collector/testing/collector-runner.ts --db FILE|postgres://… [--port N] [--trace-key HEX]
//     [--rate-per-second N] [--rate-burst N] [--trace-token name:token]…
import { parseArgs } from 'node:util';
import { startCollector } from '../server.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    port: { type: 'string' },
    'trace-key': { type: 'string' },
    'rate-per-second': { type: 'string' },
    'rate-burst': { type: 'string' },
    // name:token, operators allowed to trace over HTTP
    'trace-token': { type: 'string', multiple: true },
  },
});
if (!values.db) {
  process.stderr.write('usage: collector-runner --db FILE|URL [--port N] [--trace-key HEX]\n');
  process.exit(2);
}
const rate = Number(values['rate-per-second'] ?? 10_000);
const burst = Number(values['rate-burst'] ?? rate);
const traceTokens = Object.fromEntries((values['trace-token'] ?? []).map((t) => [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)]));
const collector = await startCollector({
  database: values.db,
  port: Number(values.port ?? 0),
  rateLimit: { burst, perSecond: rate },
  traceTokens,
  addressRateLimit: { burst: 1_000_000, perSecond: 1_000_000 },
  maxConcurrentBatches: 64,
  ...(values['trace-key'] ? { traceKey: Buffer.from(values['trace-key'], 'hex') } : {}),
});
process.stdout.write(JSON.stringify({ url: collector.url, port: collector.port, pid: process.pid }) + '\n');
const stop = () => void collector.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
