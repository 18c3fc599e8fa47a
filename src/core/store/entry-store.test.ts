import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DEMO_PEOPLE } from '../demo/people.js';
import { EntryStore } from './entry-store.js';
import { DOCUMENT_KEY_FILE, SEARCH_KEY_FILE, STORE_KEY_CREDENTIAL, STORE_KEY_FILE, resolveKeySource } from './keys.js';
import { samplePassage, storeErrorOf, tempDataDir } from './test-support.js';

const zhang = DEMO_PEOPLE[0]!;
const li = DEMO_PEOPLE[1]!;
let tmp: ReturnType<typeof tempDataDir>;
let store: EntryStore;
beforeEach(() => {
  tmp = tempDataDir();
  store = EntryStore.open(tmp.dir);
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

describe('EntryStore.append', () => {
  it('returns a time-sortable id and a monotonic seq, and the row is committed on return', () => {
    const a = store.append(samplePassage({ at: 1_700_000_000_000 }));
    const b = store.append(samplePassage({ at: 1_700_000_001_000 }));
    expect(a.seq).toBe(1);
    expect(b.seq).toBe(2);
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.id < b.id).toBe(true);
    // A second connection (another process would see the same) reads both rows: they are committed.
    const other = EntryStore.open(tmp.dir);
    expect(other.entryCount()).toBe(2);
    other.close();
  });

  it('stores the name and the document number encrypted, with the key in an owner-only file', () => {
    store.append(samplePassage());
    store.checkpoint();
    const fileBytes = () => [readFileSync(join(tmp.dir, 'kiosk.sqlite3')), readFileSync(join(tmp.dir, 'kiosk.sqlite3-wal'), { flag: 'a+' })];
    for (const bytes of fileBytes()) {
      expect(bytes.includes(Buffer.from(zhang.idNumber))).toBe(false);
      expect(bytes.includes(Buffer.from(zhang.name))).toBe(false);
    }
    store.close();
    for (const bytes of fileBytes()) expect(bytes.includes(Buffer.from(zhang.name))).toBe(false);
    expect(statSync(join(tmp.dir, STORE_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(tmp.dir, STORE_KEY_FILE)).size).toBe(32);
    // The key files of schema 2 are no longer made.
    for (const f of [DOCUMENT_KEY_FILE, SEARCH_KEY_FILE]) expect(existsSync(join(tmp.dir, f))).toBe(false);
    store = EntryStore.open(tmp.dir);
    const [found] = store.findByDocumentNumber(zhang.idNumber, { admin: 'admin-1' });
    expect(found).toMatchObject({ documentNumber: zhang.idNumber, holderName: zhang.name });
    expect(store.lastEntries(1)[0]).toMatchObject({ holderName: '张*' });
  });

  it('keeps the key outside the data directory when config store.keyFile names one', () => {
    store.close();
    const keyDir = mkdtempSync(join(tmpdir(), 'kiosk-keymount-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-store-'));
    try {
      const keyFile = join(keyDir, 'store.key');
      writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ store: { keyFile } }));
      const s = EntryStore.open(dataDir);
      s.append(samplePassage());
      s.close();
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(existsSync(join(dataDir, STORE_KEY_FILE))).toBe(false);
      const again = EntryStore.open(dataDir);
      expect(again.readEntriesAfterSeq(0, 1)[0]).toMatchObject({ holderName: zhang.name, documentNumber: zhang.idNumber });
      again.close();
      // Without the key mount (the disk alone), the log does not open, and no new key is made.
      rmSync(keyFile);
      expect(storeErrorOf(() => EntryStore.open(dataDir)).detail).toBe('KEY_INVALID');
      expect(existsSync(keyFile)).toBe(false);
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
      store = EntryStore.open(tmp.dir); // for afterEach
    }
  });

  it('takes the key from a systemd credential and never creates one there', () => {
    store.close();
    const credentials = mkdtempSync(join(tmpdir(), 'kiosk-creds-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-store-'));
    try {
      writeFileSync(join(credentials, STORE_KEY_CREDENTIAL), randomBytes(32), { mode: 0o400 });
      const source = resolveKeySource(dataDir, '/elsewhere/ignored.key', { CREDENTIALS_DIRECTORY: credentials });
      expect(source).toEqual({ kind: 'credential', path: join(credentials, STORE_KEY_CREDENTIAL) });
      const s = EntryStore.open(dataDir, { keySource: source });
      s.append(samplePassage());
      s.close();
      expect(existsSync(join(dataDir, STORE_KEY_FILE))).toBe(false);
      // A different key (another kiosk's credential, a wrong key file) is refused, not used.
      writeFileSync(join(dataDir, STORE_KEY_FILE), randomBytes(32), { mode: 0o600 });
      const err = storeErrorOf(() => EntryStore.open(dataDir));
      expect(err.detail).toBe('KEY_INVALID');
      expect(err.message).toContain('not the key this entry log was written with');
    } finally {
      rmSync(credentials, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
      store = EntryStore.open(tmp.dir); // for afterEach
    }
  });

  it('refuses to start with a missing key once names and numbers are stored (a new key would lose them)', () => {
    store.append(samplePassage());
    store.close();
    rmSync(join(tmp.dir, STORE_KEY_FILE));
    const err = storeErrorOf(() => EntryStore.open(tmp.dir));
    expect(err.reason).toBe('STORAGE_UNAVAILABLE');
    expect(err.detail).toBe('KEY_INVALID');
    store = EntryStore.open(tmp.dir, { file: join(tmp.dir, 'other.sqlite3') }); // for afterEach
  });

  it('rejects bad input with BAD_REQUEST naming the field, never echoing the value', () => {
    const err = storeErrorOf(() => store.append(samplePassage({ method: 'face' as never, holderName: '秘密的名字' })));
    expect(err.reason).toBe('BAD_REQUEST');
    expect(err.message).toContain('method');
    expect(err.message).not.toContain('秘密');
    expect(storeErrorOf(() => store.append(samplePassage({ decision: 'deny', reason: null }))).message).toContain('reason');
    expect(storeErrorOf(() => store.append(samplePassage({ temperatureC: Number.NaN }))).reason).toBe('BAD_REQUEST');
    expect(storeErrorOf(() => store.append(samplePassage({ reason: 'NOT_A_REASON' as never, decision: 'deny' }))).reason).toBe('BAD_REQUEST');
    expect(store.entryCount()).toBe(0);
    expect(store.storageState().writable).toBe(true);
  });

  it('accepts a passage with no identity (an unreadable code is still logged)', () => {
    const r = store.append(samplePassage({ holderName: null, documentNumber: null, documentType: null, codeId: null, codeIssuer: null, statusColour: null, decision: 'deny', reason: 'FORMAT_UNKNOWN' }));
    expect(store.lastEntries(1)[0]).toMatchObject({ seq: r.seq, documentNumber: null, holderName: null, reason: 'FORMAT_UNKNOWN' });
  });
});

describe('queries', () => {
  const day = new Date(2026, 10, 20, 0, 0, 0).getTime(); // local midnight
  beforeEach(() => {
    store.append(samplePassage({ at: day + 8 * 3_600_000 }));
    store.append(samplePassage({ at: day + 8 * 3_600_000 + 60_000, holderName: li.name, documentNumber: li.idNumber, decision: 'deny', reason: 'FEVER', temperatureC: 38.1 }));
    store.append(samplePassage({ at: day + 9 * 3_600_000, decision: 'review', reason: 'TEMPERATURE_MISSING', temperatureC: null }));
    store.append(samplePassage({ at: day - 3_600_000 })); // yesterday
  });

  it('counts today by decision and by reason, and guard overrides', () => {
    store.addOverride({ entry: { seq: 3 }, decision: 'admit', guard: 'guard-07', note: 'measured by hand: 36.5' });
    const c = store.countsToday(new Date(day + 12 * 3_600_000));
    expect(c.total).toBe(3);
    expect(c.byDecision).toEqual({ admit: 1, deny: 1, review: 1 });
    expect(c.byReason).toEqual({ FEVER: 1, TEMPERATURE_MISSING: 1 });
    expect(c.overrides).toEqual({ admit: 1, deny: 0 });
  });

  it('counts entries per hour with empty hours present', () => {
    const hours = store.entriesPerHour(day + 7 * 3_600_000, day + 10 * 3_600_000);
    expect(hours.map((h) => h.total)).toEqual([0, 2, 1]);
    expect(hours[1]).toMatchObject({ admit: 1, deny: 1, review: 0 });
    expect(storeErrorOf(() => store.entriesPerHour(day, day + 40 * 86_400_000)).reason).toBe('BAD_REQUEST');
  });

  it('shows the last entries newest first with names and numbers masked', () => {
    const last = store.lastEntries(2);
    expect(last.map((e) => e.seq)).toEqual([4, 3]);
    expect(last[0]!.holderName).toBe('张*');
    expect(last[0]!.documentNumber).toBe(zhang.idNumber.slice(0, 4) + '*'.repeat(10) + zhang.idNumber.slice(-4));
    expect(JSON.stringify(store.lastEntries(10))).not.toContain(zhang.idNumber);
  });

  it('finds by exact document number (any case) for an admin, and audits the search without the number', () => {
    const hits = store.findByDocumentNumber(li.idNumber.toLowerCase(), { admin: 'admin-1' });
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ holderName: li.name, documentNumber: li.idNumber, reason: 'FEVER' });
    const audit = store.auditLog(1)[0]!;
    expect(audit).toMatchObject({ action: 'search', detail: { admin: 'admin-1', rows: 1, revealed: true } });
    expect(JSON.stringify(store.auditLog())).not.toContain(li.idNumber);
    expect(storeErrorOf(() => store.findByDocumentNumber(li.idNumber, { admin: ' ' })).reason).toBe('BAD_REQUEST');
  });

  it('answers anti-passback: admitted since T, counting a guard admit of a review', () => {
    expect(store.lastAdmittedSince(zhang.idNumber, day)).toBe(day + 8 * 3_600_000);
    expect(store.hasBeenAdmittedSince(zhang.idNumber, day + 8 * 3_600_000 + 1)).toBe(false);
    store.addOverride({ entry: { seq: 3 }, decision: 'admit', guard: 'guard-07', note: 'hand thermometer 36.5' });
    expect(store.lastAdmittedSince(zhang.idNumber, day + 8 * 3_600_000 + 1)).toBe(day + 9 * 3_600_000);
    expect(store.hasBeenAdmittedSince(li.idNumber, 0)).toBe(false); // denied, never admitted
  });

  it('records a guard override against an entry and shows it with the entry', () => {
    const o = store.addOverride({ entry: { seq: 2 }, decision: 'deny', guard: 'guard-07', note: 'confirmed fever', at: day + 8 * 3_600_000 + 90_000 });
    expect(o).toMatchObject({ seq: 1, entrySeq: 2 });
    const e = store.lastEntries(10).find((x) => x.seq === 2)!;
    expect(e.decision).toBe('deny'); // the kiosk's own decision is unchanged
    expect(e.override).toEqual({ decision: 'deny', guard: 'guard-07', note: 'confirmed fever', at: day + 8 * 3_600_000 + 90_000 });
    expect(storeErrorOf(() => store.addOverride({ entry: { id: 'nope' }, decision: 'admit', guard: 'g', note: 'n' })).detail).toBe('NOT_FOUND');
    expect(storeErrorOf(() => store.addOverride({ entry: { seq: 2 }, decision: 'admit', guard: '', note: 'n' })).reason).toBe('BAD_REQUEST');
    expect(store.verify().ok).toBe(true);
  });

  it('reads full rows after a seq for the uploader, document numbers in clear', () => {
    const rows = store.readEntriesAfterSeq(1, 2);
    expect(rows.map((r) => r.seq)).toEqual([2, 3]);
    expect(rows[0]!.documentNumber).toBe(li.idNumber);
    expect(rows[0]!.holderName).toBe(li.name);
    store.addOverride({ entry: { seq: 3 }, decision: 'admit', guard: 'g1', note: 'ok' });
    expect(store.readOverridesAfterSeq(0, 10)).toMatchObject([{ seq: 1, entrySeq: 3, decision: 'admit', guard: 'g1' }]);
    expect(store.lastSeq()).toBe(4);
  });
});
