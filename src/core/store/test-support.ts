// Shared by the store's tests and benchmark: a temp data directory and a valid passage.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PEOPLE } from '../demo/people.js';
import { connectionOf, type EntryStore } from './entry-store.js';
import { StoreError } from './errors.js';
import type { NewEntry } from './types.js';

export function tempDataDir(prefix = 'kiosk-store-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A green, admitted code passage for demo person `zhangsan` unless overridden. */
export function samplePassage(overrides: Partial<NewEntry> = {}): NewEntry {
  const p = DEMO_PEOPLE[0]!;
  return {
    venueId: 'venue-1',
    kioskId: 'kiosk-1',
    method: 'code',
    holderName: p.name,
    documentType: p.docType,
    documentNumber: p.idNumber,
    codeId: '00112233445566778899aabbccddeeff',
    codeIssuer: p.province,
    statusColour: 'green',
    temperatureC: 36.6,
    decision: 'admit',
    reason: null,
    trustListSeq: 7,
    ...overrides,
  };
}

/** Runs `fn` and returns the StoreError it throws; fails when it throws nothing or something else. */
export function storeErrorOf(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw err;
  }
  throw new Error('expected a StoreError');
}

/**
 * Tests of a full disk: makes the store's own connection refuse to grow past its current size
 * (`max_page_count`, per connection), so the next writes fail with SQLITE_FULL exactly as on a full
 * disk; `uncapDatabaseGrowth` frees it again.
 */
export function capDatabaseGrowth(store: EntryStore): void {
  const db = connectionOf(store);
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
}

export function uncapDatabaseGrowth(store: EntryStore): void {
  connectionOf(store).pragma('max_page_count = 1073741823');
}

/** Minimal RFC 4180 reader (CRLF rows) for checking the CSV export's own output (export.ts), in unit and e2e tests. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\r' && text[i + 1] === '\n') {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else field += c;
  }
  return rows;
}
