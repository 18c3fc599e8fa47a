// The kiosk side of the crash tests, as its own process so a test can SIGKILL it mid-upload:
// opens the kiosk database in --data-dir, runs the real uploader against --url and prints one JSON
// line per upload event (seqs, ids, counts, reasons: never entry contents).
//   node --import tsx src/collector/testing/kiosk-upload-runner.ts --data-dir D --url U [--batch-size N] [--timeout-ms T] [--exit-when-drained]
import { parseArgs } from 'node:util';
import { loadOrCreateDeviceKey } from '../../core/identity/device-key.js';
import { openStoreUploadSource } from '../../core/upload/store-source.js';
import { Uploader } from '../../core/upload/uploader.js';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    url: { type: 'string' },
    'batch-size': { type: 'string', default: '100' },
    'timeout-ms': { type: 'string', default: '2000' },
    'exit-when-drained': { type: 'boolean', default: false },
  },
});
if (!values['data-dir'] || !values.url) {
  process.stderr.write('usage: kiosk-upload-runner --data-dir DIR --url URL\n');
  process.exit(2);
}
const identity = loadOrCreateDeviceKey(values['data-dir']);
const source = openStoreUploadSource(values['data-dir']);
const print = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const uploader = new Uploader({
  collectorUrl: values.url,
  identity,
  streams: source.streams,
  ledger: source.ledger,
  batchSize: Number(values['batch-size']),
  requestTimeoutMs: Number(values['timeout-ms']),
  backoffBaseMs: 20,
  backoffMaxMs: 200,
  idlePollMs: 25,
  onEvent: (e) => {
    print(e);
    if (values['exit-when-drained'] && e.type === 'state' && e.state === 'idle') {
      const s = uploader.status();
      if (Object.values(s.streams).every((x) => x.backlog === 0 && x.pendingBatchId === null)) {
        void uploader.stop().then(() => {
          source.close();
          process.exit(0);
        });
      }
    }
  },
});
print({ type: 'ready', kioskId: identity.kioskId, streams: uploader.status().streams });
uploader.start();
