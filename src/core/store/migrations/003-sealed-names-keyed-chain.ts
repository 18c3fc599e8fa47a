// 003: what a copied database file reveals (docs/security.md, "What the disk reveals").
//
// - Holder names are sealed like document numbers (secretbox, keys.ts): `holder_name` now holds
//   nonce ‖ box as a BLOB, and the new `holder_name_masked` the masked form screens and masked
//   exports show, so neither ever decrypts.
// - Masked document numbers follow the per-type rule of id-number.ts (at least half hidden): the
//   stored `doc_number_masked` of every existing row is recomputed.
// - Keys come from one master secret that may live outside the data directory (keys.ts): existing
//   document numbers are opened with the schema-2 key file and sealed again, and their search hash
//   recomputed, under the derived keys.
// - The row chain becomes keyed (chain.ts, HMAC-SHA256): every link is recomputed from the anchors.
//   The unkeyed chain is checked FIRST and the outcome written to `audit` (`rekey`), so converting
//   never silently launders an edit made before the upgrade.
// - `store_meta.key_check` tells at every open whether the configured key is the one the log was
//   written with (a wrong key file is refused instead of writing rows nobody can read).
// - `audit.outcome` / `audit.ended_at_ms`: an export's row is written when it starts and completed
//   when it ends (completed, failed or cancelled).
import type Database from 'better-sqlite3';
import { createHmac, createSecretKey } from 'node:crypto';
import nacl from 'tweetnacl';
import { maskDocumentNumber, maskName } from '../../codes/id-number.js';
import { ENTRY_CHAIN_COLUMNS, GENESIS_HASH, LEGACY_ENTRY_CHAIN_COLUMNS, OVERRIDE_CHAIN_COLUMNS, chainHash, legacyChainHash, type ChainName, type ChainValue } from '../chain.js';
import { keyCheckValue, sealText } from '../keys.js';
import type { Migration, MigrationContext } from './types.js';

const PAGE = 2000;

type Broken = { seq: number; problem: 'PREV_HASH_MISMATCH' | 'HASH_MISMATCH' } | null;

function anchorOf(db: Database.Database, chain: ChainName): { seq: number; hash: Buffer } {
  return (db.prepare('SELECT seq, hash FROM chain_anchors WHERE chain = ?').get(chain) as { seq: number; hash: Buffer } | undefined) ?? { seq: 0, hash: GENESIS_HASH };
}

/** Walks the unkeyed chain of schema ≤ 2; the first broken row, or null. */
function checkLegacyChain(db: Database.Database, chain: ChainName, cols: readonly string[]): Broken {
  const anchor = anchorOf(db, chain);
  const page = db.prepare(`SELECT ${cols.join(', ')}, prev_hash, hash FROM ${chain} WHERE seq > ? ORDER BY seq LIMIT ${PAGE}`).raw(true);
  let prev = anchor.hash;
  let after = anchor.seq;
  for (;;) {
    const rows = page.all(after) as unknown[][];
    if (rows.length === 0) return null;
    for (const row of rows) {
      const values = row.slice(0, cols.length) as ChainValue[];
      const seq = values[0] as number;
      if (!Buffer.from(row[cols.length] as Buffer).equals(prev)) return { seq, problem: 'PREV_HASH_MISMATCH' };
      if (!legacyChainHash(prev, values).equals(row[cols.length + 1] as Buffer)) return { seq, problem: 'HASH_MISMATCH' };
      prev = row[cols.length + 1] as Buffer;
      after = seq;
    }
  }
}

function rewrite(db: Database.Database, context: MigrationContext): { entries: number; overrides: number; legacyChain: Record<string, Broken> } {
  if (!context.keys) throw new Error('rewriting existing rows needs the store keys (open the log with EntryStore.open)');
  const keys = context.keys();
  const chainKey = createSecretKey(keys.chainKey);
  const legacyChain = {
    entries: checkLegacyChain(db, 'entries', LEGACY_ENTRY_CHAIN_COLUMNS),
    entry_overrides: checkLegacyChain(db, 'entry_overrides', OVERRIDE_CHAIN_COLUMNS),
  };
  const hasSealedNumbers = db.prepare('SELECT 1 FROM entries WHERE doc_number_box IS NOT NULL LIMIT 1').get() !== undefined;
  const legacy = hasSealedNumbers ? (context.legacyKeys?.() ?? null) : null;
  if (hasSealedNumbers && !legacy) throw new Error('the log holds document numbers sealed with entry-document.key, which is missing: restore it beside the database, then start again');

  let entries = 0;
  {
    const cols = ENTRY_CHAIN_COLUMNS;
    const page = db.prepare(`SELECT ${cols.join(', ')} FROM entries WHERE seq > ? ORDER BY seq LIMIT ${PAGE}`).raw(true);
    const at = (name: (typeof cols)[number]) => cols.indexOf(name);
    const [NAME, TYPE, BOX, HMAC, MASKED, NAME_MASKED] = [at('holder_name'), at('doc_type'), at('doc_number_box'), at('doc_number_hmac'), at('doc_number_masked'), at('holder_name_masked')];
    const update = db.prepare(
      'UPDATE entries SET holder_name = ?, holder_name_masked = ?, doc_number_box = ?, doc_number_hmac = ?, doc_number_masked = ?, prev_hash = ?, hash = ? WHERE seq = ?',
    );
    let { seq: after, hash: prev } = anchorOf(db, 'entries');
    for (;;) {
      const rows = page.all(after) as ChainValue[][];
      if (rows.length === 0) break;
      for (const values of rows) {
        const name = values[NAME];
        if (typeof name === 'string') {
          values[NAME] = sealText(keys.sealingKey, name);
          values[NAME_MASKED] = maskName(name);
        }
        const box = values[BOX];
        if (box instanceof Uint8Array && legacy) {
          const nonce = box.subarray(0, nacl.secretbox.nonceLength);
          const plain = nacl.secretbox.open(box.subarray(nacl.secretbox.nonceLength), nonce, legacy.documentKey);
          if (!plain) throw new Error(`entry seq ${String(values[0])}: its document number does not open with entry-document.key (wrong key file or altered row)`);
          const number = Buffer.from(plain).toString('utf8');
          values[BOX] = sealText(keys.sealingKey, number);
          values[HMAC] = createHmac('sha256', keys.searchKey).update(number, 'utf8').digest();
          values[MASKED] = maskDocumentNumber(number, values[TYPE] as string | null);
        }
        const hash = chainHash(chainKey, prev, values);
        update.run(values[NAME], values[NAME_MASKED], values[BOX], values[HMAC], values[MASKED], prev, hash, values[0]);
        prev = hash;
        after = values[0] as number;
        entries++;
      }
    }
  }

  let overrides = 0;
  {
    const page = db.prepare(`SELECT ${OVERRIDE_CHAIN_COLUMNS.join(', ')} FROM entry_overrides WHERE seq > ? ORDER BY seq LIMIT ${PAGE}`).raw(true);
    const update = db.prepare('UPDATE entry_overrides SET prev_hash = ?, hash = ? WHERE seq = ?');
    let { seq: after, hash: prev } = anchorOf(db, 'entry_overrides');
    for (;;) {
      const rows = page.all(after) as ChainValue[][];
      if (rows.length === 0) break;
      for (const values of rows) {
        const hash = chainHash(chainKey, prev, values);
        update.run(prev, hash, values[0]);
        prev = hash;
        after = values[0] as number;
        overrides++;
      }
    }
  }
  db.prepare("INSERT INTO store_meta (name, value) VALUES ('key_check', ?)").run(keyCheckValue(keys));
  return { entries, overrides, legacyChain };
}

export const sealedNamesKeyedChainMigration: Migration = {
  version: 3,
  name: 'sealed-names-keyed-chain',
  up(db, context) {
    db.exec(`
      ALTER TABLE entries ADD COLUMN holder_name_masked TEXT;
      ALTER TABLE audit ADD COLUMN outcome TEXT;
      ALTER TABLE audit ADD COLUMN ended_at_ms INTEGER;
      CREATE TABLE store_meta (
        name   TEXT PRIMARY KEY,
        value  BLOB NOT NULL
      );
    `);
    const rows = (db.prepare('SELECT (SELECT count(*) FROM entries) + (SELECT count(*) FROM entry_overrides)').pluck().get() as number) > 0;
    if (!rows) return; // a new or empty log: the store writes key_check when it opens
    const r = rewrite(db, context);
    // No personal data: counts and the first broken seq of the old chain, if any.
    db.prepare("INSERT INTO audit (at_ms, action, detail, outcome) VALUES (?, 'rekey', ?, 'completed')").run(
      Date.now(),
      JSON.stringify({ schema: 3, entries: r.entries, overrides: r.overrides, unkeyedChainBeforeUpgrade: { entries: r.legacyChain.entries, overrides: r.legacyChain.entry_overrides } }),
    );
  },
};
