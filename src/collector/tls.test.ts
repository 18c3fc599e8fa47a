// Entries carry names and document numbers: beyond loopback they travel over https only. The
// collector serves https with an operator's certificate; the kiosk trusts a private CA from
// `upload.caFile` and refuses plain http to another machine with COLLECTOR_INSECURE.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from './server.js';
import { collectorBackends } from './testing/backends.js';
import { EntryStore } from '../core/store/index.js';
import { samplePassage, tempDataDir } from '../core/store/test-support.js';
import { loadOrCreateDeviceKey, type DeviceIdentity } from '../core/identity/device-key.js';
import { openStoreUploadSource, type StoreUploadSource } from '../core/upload/store-source.js';
import { Uploader } from '../core/upload/uploader.js';
import { isInsecureCollectorUrl } from '../core/upload/http.js';
import { startUploadService, uploadConfigSchema } from '../core/upload/service.js';
import { ListCache } from '../core/codes/list-cache.js';

let certDir: string;
let cert: string;
let key: string;
let data: { dir: string; cleanup(): void };
let store: EntryStore;
let source: StoreUploadSource;
let identity: DeviceIdentity;
let collector: RunningCollector;
const BACKENDS = collectorBackends();

beforeAll(() => {
  // A self-signed certificate for 127.0.0.1 made for this run (openssl is part of Debian's base).
  certDir = mkdtempSync(join(tmpdir(), 'collector-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
  cert = readFileSync(join(certDir, 'cert.pem'), 'utf8');
  key = readFileSync(join(certDir, 'key.pem'), 'utf8');
  return () => rmSync(certDir, { recursive: true, force: true });
});

describe.each(BACKENDS)('on $name', (backend) => {
  beforeEach(async () => {
    data = tempDataDir('upload-tls-');
    identity = loadOrCreateDeviceKey(data.dir);
    store = EntryStore.open(data.dir);
    source = openStoreUploadSource(data.dir);
    collector = await startCollector({ database: await backend.database(data.dir), tls: { cert, key } });
    await collector.db.registerKiosk(identity.kioskId, identity.publicKey, 'tls');
    store.appendBatch(Array.from({ length: 20 }, (_, i) => samplePassage({ at: 1_763_000_000_000 + i, kioskId: identity.kioskId })));
  });
  afterEach(async () => {
    await collector.close();
    source.close();
    store.close();
    data.cleanup();
  });

  describe('upload over https', () => {
    it('uploads to an https collector whose certificate the configured CA signed', async () => {
      expect(collector.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
      const u = new Uploader({ collectorUrl: collector.url, identity, streams: source.streams, ledger: source.ledger, batchSize: 8, requestTimeoutMs: 3000, tls: { ca: cert } });
      while ((await u.step()).kind === 'sent');
      expect((await collector.db.entrySeqs(identity.kioskId))).toHaveLength(20);
      await u.stop();
    });

    it('refuses a collector certificate it cannot verify, uploading nothing', async () => {
      const u = new Uploader({ collectorUrl: collector.url, identity, streams: source.streams, ledger: source.ledger, requestTimeoutMs: 3000 });
      const r = await u.step();
      expect(r).toMatchObject({ kind: 'failed', reason: 'COLLECTOR_UNREACHABLE' });
      expect((r as { message: string }).message).toMatch(/CERT|SELF_SIGNED|certificate/i);
      expect((await collector.db.entrySeqs(identity.kioskId))).toHaveLength(0);
      await u.stop();
    });

    it('will not send entries in clear beyond this machine', () => {
      expect(isInsecureCollectorUrl('http://127.0.0.1:8787')).toBe(false);
      expect(isInsecureCollectorUrl('http://localhost:8787')).toBe(false);
      expect(isInsecureCollectorUrl('http://[::1]:8787')).toBe(false);
      expect(isInsecureCollectorUrl('https://platform.example')).toBe(false);
      expect(isInsecureCollectorUrl('http://192.168.1.20:8787')).toBe(true);
      expect(isInsecureCollectorUrl('http://platform.example')).toBe(true);
      const lines: string[] = [];
      const svc = startUploadService({
        dataDir: data.dir,
        config: uploadConfigSchema.parse({ collectorUrl: 'http://192.0.2.7:8787' }),
        store,
        lists: new ListCache(data.dir, []),
        log: (l) => lines.push(l),
      });
      expect(lines.join('\n')).toMatch(/COLLECTOR_INSECURE/);
      expect(svc.connectivity()).toMatchObject({ online: false, uploadsPending: 20 });
      return svc.close();
    });
  });
});
