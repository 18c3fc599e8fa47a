// The collector's storage behind one interface, two backends (docs/upload-protocol.md §7):
//   - SQLite (db.ts): the embedded default, one file, one collector process; a venue group's few kiosks.
//   - PostgreSQL (pg.ts): one database shared by any number of collector processes on any number of
//     hosts; a province's fleet.
// Every method is async so both backends answer the same calls; exactly-once lives in primary keys
// in both ((kiosk, batch id) for batches, (kiosk, entry id) for entries), never in a process.
import type { BatchBody } from '../core/upload/protocol.js';
import type { RateLimit } from './rate-limit.js';
import type { HeartbeatBody } from '../core/upload/protocol.js';
import type { FleetPage, FleetQuery, HeartbeatRetention, StoredHeartbeat } from './fleet.js';
import type { ConsoleStore } from './console-store.js';
import type { FleetConfigStore } from './fleet-config.js';

export interface KioskRow {
  kioskId: string;
  name: string | null;
  registeredAt: number;
  enabled: boolean;
  lastSeenAt: number | null;
  lastUploadAt: number | null;
  lastSeq: number | null;
  backlog: number | null;
  entries: number;
  /**
   * The `kioskId` the kiosk's newest entries carry (its configured id, config.json `kioskId`), null
   * before any passage arrived. The collector knows the kiosk by its key's id (`kioskId` above); a
   * kiosk configured with another id files its entries under a name nobody registered, so both are
   * shown and a difference is flagged (kioskIdMismatch).
   */
  entryKioskId: string | null;
}

/** The configured id the entries carry differs from the key's id the kiosk is registered under. */
export function kioskIdMismatch(row: Pick<KioskRow, 'kioskId' | 'entryKioskId'>): boolean {
  return row.entryKioskId !== null && row.entryKioskId !== row.kioskId;
}

/** The configured `kioskId` a batch's passages carry (the newest one; overrides carry none). */
export function entryKioskIdOf(entries: readonly { r: Record<string, unknown> }[]): string | null {
  for (let i = entries.length - 1; i >= 0; i--) {
    const id = entries[i]!.r.kioskId;
    if (typeof id === 'string') return id.slice(0, 64);
  }
  return null;
}

export interface StoreBatchResult {
  accepted: number;
  duplicates: number;
  replay: boolean;
  /** Set when this batch id was already used for a different range of entries. */
  conflict: boolean;
}

export interface StoredEntry {
  entryId: string;
  seq: number;
  scannedAt: number;
  batchId: string;
  record: Record<string, unknown>;
}

export interface StoredBatch {
  kioskId: string;
  batchId: string;
  firstSeq: number;
  lastSeq: number;
  entryCount: number;
  accepted: number;
  duplicates: number;
}

/** One place and time a person passed (the tracing query's answer; docs/upload-protocol.md §8). */
export interface TracePassage {
  kioskId: string;
  entryId: string;
  venueId: string | null;
  scannedAt: number;
  decision: string | null;
}

/** Someone else at the same venue within the window: the platform needs to reach them. */
export interface CoPresentEntry extends TracePassage {
  holderName: string | null;
  documentNumber: string | null;
  /** Which of the person's passages this one was near. */
  nearEntryId: string;
}

export interface TraceQuery {
  /** HMAC-SHA256 of the normalised document number under the collector's trace key (trace-key.ts). */
  docKey: Buffer;
  from: number;
  to: number;
  /** ±minutes around each passage for co-presence; absent: no co-presence query. */
  windowMinutes?: number;
  /** Most co-present rows returned (bounds the answer; default 10,000). */
  coPresentLimit?: number;
}

export interface TraceAuditRow {
  at: number;
  operator: string;
  reason: string;
  /** 'trace' or 'trace+copresence'. */
  kind: string;
  /** The keyed hash searched for, hex: never the document number itself (no personal data in audit rows). */
  docKeyHex: string;
  from: number;
  to: number;
  windowMinutes: number | null;
  passages: number;
  coPresent: number;
  via: string;
}

export interface CollectorStorage {
  readonly backend: 'sqlite' | 'postgres';
  /** Where it is, safe to print: a path, or the PostgreSQL URL without its password. */
  readonly location: string;
  registerKiosk(kioskId: string, publicKey: Uint8Array, name: string | null, now?: number): Promise<void>;
  /** Removes a kiosk that never uploaded (an operator's mistake); false if unknown or it has batches. */
  removeKiosk(kioskId: string): Promise<boolean>;
  setKioskEnabled(kioskId: string, enabled: boolean): Promise<boolean>;
  kioskKey(kioskId: string): Promise<{ publicKey: Uint8Array; enabled: boolean } | null>;
  /**
   * Stores a verified batch in one transaction. A batch id seen before with the same range is a
   * replay (the kiosk never got our answer): nothing is written and the first answer is repeated.
   * `docKeyOf` gives each entry's keyed document hash as hex (trace-key.ts recordDocKey; null: not a
   * passage with a document number).
   */
  storeBatch(batch: BatchBody, docKeyOf: (record: Record<string, unknown>) => string | null, now?: number): Promise<StoreBatchResult>;
  kiosks(): Promise<KioskRow[]>;
  /** Entry ids and seqs of one kiosk in seq order (tests and operators check completeness with it). */
  entrySeqs(kioskId: string): Promise<{ entryId: string; seq: number; scannedAt: number }[]>;
  /** Every entry of one kiosk in seq order, with its record (tests; an operator's export). */
  entries(kioskId: string): Promise<StoredEntry[]>;
  /** Accepted batches in the order they arrived. */
  batches(): Promise<StoredBatch[]>;
  /** Entries held in total and distinct (kiosk, seq) pairs among them: the exactly-once check. */
  counts(): Promise<{ entries: number; distinctSeqs: number; batches: number; acceptedSum: number }>;
  /**
   * Takes one token of `key`'s bucket at `nowMs` (wall clock ms: shared by processes on several
   * hosts); 0 when allowed, else the ms until one is available.
   */
  takeRateToken(key: string, limit: RateLimit, nowMs: number): Promise<number>;
  /** The check value of the trace key the entries were hashed with; set on first use, then compared. */
  traceKeyCheck(check: string): Promise<'set' | 'same' | 'different'>;
  /** A trace key kept in the database itself when the operator gave none (created once, shared). */
  storedTraceKey(make: () => Buffer): Promise<Buffer>;
  trace(query: TraceQuery): Promise<{ passages: TracePassage[]; coPresent: CoPresentEntry[] }>;
  audit(row: TraceAuditRow): Promise<void>;
  auditRows(): Promise<TraceAuditRow[]>;
  /** Deletes up to `limit` entries scanned before `cutoffMs`; returns how many went. */
  purgeBatch(cutoffMs: number, limit: number): Promise<number>;
  /**
   * Keeps a verified heartbeat (docs/upload-protocol.md §11): the kiosk's latest row replaced and one
   * history row added, the kiosk's history trimmed to `keep` in the same transaction (a few rows per
   * heartbeat, never a sweep). 'duplicate': this kiosk already sent a heartbeat with this sentAt (a
   * replay): nothing changes.
   */
  storeHeartbeat(hb: HeartbeatBody, receivedAt: number, clockOffsetMs: number, keep: HeartbeatRetention): Promise<'stored' | 'duplicate'>;
  /** A kiosk's kept heartbeats, newest first, at most `limit`. */
  heartbeatHistory(kioskId: string, limit: number): Promise<StoredHeartbeat[]>;
  /** Every registered kiosk with its latest heartbeat and alerts, filtered and one page of it. */
  fleet(query: FleetQuery): Promise<FleetPage>;
  /** The fleet console's operator accounts, sessions, lockout and audit (docs/fleet.md). */
  readonly console: ConsoleStore;
  /** Signed fleet configuration bundles (docs/upload-protocol.md §12), newest revision wins. */
  readonly fleetConfig: FleetConfigStore;
  /** Throws when the database cannot answer now (the health check: a collector without its database is not healthy). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/**
 * Why `database` names no backend, or null: a URL of another scheme (`postgress://`, `mysql://`) is
 * a typo or a mistake, never a file name, and taken as one it would make a folder tree named after
 * the URL (its password too) holding a new, empty SQLite database.
 */
export function databaseProblem(database: string): string | null {
  if (isPostgresUrl(database)) return null;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(database);
  if (scheme) return `"${scheme[1]}://" is not a database this collector opens: a postgres:// (or postgresql://) URL, or a SQLite file path`;
  return null;
}

/** Opens the backend `database` names: a postgres:// URL, else a SQLite file path. */
export async function openCollectorStorage(database: string): Promise<CollectorStorage> {
  const problem = databaseProblem(database);
  if (problem) throw new TypeError(problem);
  if (isPostgresUrl(database)) {
    const { PgCollectorStorage } = await import('./pg.js');
    return PgCollectorStorage.open(database);
  }
  const { CollectorDb } = await import('./db.js');
  return new CollectorDb(database);
}

/** The URL without its password, for logs and the CLI's answer. */
export function redactDatabaseUrl(database: string): string {
  if (!isPostgresUrl(database)) return database;
  try {
    const u = new URL(database);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable)';
  }
}

/** Fields the collector indexes from an uploaded record (the kiosk's names: store/entry-store.ts toEntry). */
export function indexedFields(record: Record<string, unknown>): { venueId: string | null; decision: string | null } {
  const venueId = typeof record.venueId === 'string' ? record.venueId : null;
  const decision = typeof record.decision === 'string' ? record.decision : null;
  return { venueId, decision };
}
