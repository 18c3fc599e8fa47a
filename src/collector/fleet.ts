// The fleet view (docs/upload-protocol.md §11): every registered kiosk with its latest heartbeat and
// the alerts an operator acts on. The alerts are computed in SQL from the latest heartbeats and "now"
// (the collector's clock), so a page of 100 out of 10,000 kiosks, filtered by venue or by alert, is one
// indexed scan of a 10,000-row table and never reads the history. One SQL text serves both backends
// (`:name` parameters, turned into `@name` for SQLite and `$n` for PostgreSQL).
import { z } from 'zod';
import type { HeartbeatBody, HeartbeatDevice } from '../core/upload/protocol.js';

export const FLEET_ALERTS = ['silent', 'stale-lists', 'device-offline', 'clock-skew', 'disk-low'] as const;
export type FleetAlert = (typeof FLEET_ALERTS)[number];

/** When each alert fires. Defaults: docs/upload-protocol.md §11. */
export interface FleetThresholds {
  /** No heartbeat for more than this (or none ever): `silent`. */
  silentMinutes: number;
  /** Trust list older than this, or not `fresh` on the kiosk: `stale-lists`. */
  trustMaxAgeHours: number;
  /** Status list older than this, or not `fresh` on the kiosk: `stale-lists`. */
  statusMaxAgeHours: number;
  /** |kiosk clock − collector clock| above this: `clock-skew`. */
  clockSkewMs: number;
  /**
   * Free bytes on the kiosk's data disk under this: `disk-low`. An absolute floor rather than a
   * fraction: what the kiosk needs (a day of entries, a backup, a list update) does not grow with the
   * size of its disk, and 10 % of a 500 GB disk is plenty while 10 % of 8 GB is not.
   */
  diskLowBytes: number;
}

export const DEFAULT_FLEET_THRESHOLDS: FleetThresholds = {
  silentMinutes: 5,
  trustMaxAgeHours: 14 * 24,
  statusMaxAgeHours: 24,
  clockSkewMs: 60_000,
  diskLowBytes: 1024 ** 3,
};

/** How much heartbeat history each kiosk keeps: at most `count` rows and nothing older than `ms`. */
export interface HeartbeatRetention {
  count: number;
  ms: number;
}
/** A day at one a minute. */
export const DEFAULT_HEARTBEAT_RETENTION: HeartbeatRetention = { count: 1440, ms: 24 * 3600_000 };

export interface FleetQuery {
  now: number;
  thresholds: FleetThresholds;
  venue?: string | null;
  /** One alert, or 'any': kiosks with at least one. */
  alert?: FleetAlert | 'any' | null;
  /** 1-based. */
  page: number;
  pageSize: number;
}

export interface FleetKiosk {
  kioskId: string;
  name: string | null;
  enabled: boolean;
  venueId: string | null;
  /** Collector clock when its latest heartbeat arrived; null: never heard from. */
  lastHeartbeatAt: number | null;
  lastUploadAt: number | null;
  backlog: number | null;
  softwareVersion: string | null;
  configRevision: number | null;
  /**
   * The signed fleet configuration its latest heartbeat reported (docs/upload-protocol.md §12): the
   * revision applied and the last one refused with its reason. Read from the latest row's body, which
   * the page query already reads: no column, no migration, no history lookup.
   */
  fleetConfig: { revision: number; refused: { revision: number | null; reason: string } | null } | null;
  trustList: { state: string; seq: number | null; ageHours: number | null } | null;
  statusList: { state: string; seq: number | null; ageHours: number | null } | null;
  devices: HeartbeatDevice[];
  clockOffsetMs: number | null;
  freeDiskBytes: number | null;
  /** Empty when all is well; a disabled kiosk has none (nobody expects it to report). */
  alerts: FleetAlert[];
}

export interface FleetPage {
  total: number;
  page: number;
  pageSize: number;
  /** Over every kiosk the venue filter keeps (not just this page), per alert. */
  alertCounts: Record<FleetAlert, number>;
  kiosks: FleetKiosk[];
}

export interface StoredHeartbeat {
  kioskId: string;
  receivedAt: number;
  clockOffsetMs: number;
  body: HeartbeatBody;
}

/** The row of `kiosk_heartbeats_latest` a heartbeat makes (both backends store the same columns). */
export function latestRow(hb: HeartbeatBody, receivedAt: number, clockOffsetMs: number) {
  // Ages as the kiosk reported them, turned into an issue time on the collector's clock, so the age
  // keeps growing while a kiosk is silent and the alert is a comparison with a constant.
  const issued = (ageHours: number | null) => (ageHours === null ? null : Math.round(receivedAt - ageHours * 3600_000));
  return {
    kiosk_id: hb.kioskId,
    received_at: receivedAt,
    sent_at: hb.sentAt,
    clock_offset_ms: clockOffsetMs,
    venue_id: hb.venueId,
    software_version: hb.softwareVersion,
    config_revision: hb.configRevision,
    trust_state: hb.trustList.state,
    trust_seq: hb.trustList.seq,
    trust_issued_est: issued(hb.trustList.ageHours),
    status_state: hb.statusList.state,
    status_seq: hb.statusList.seq,
    status_issued_est: issued(hb.statusList.ageHours),
    backlog: hb.backlog,
    free_disk_bytes: hb.freeDiskBytes,
    devices_down: devicesDown(hb.devices),
    body: JSON.stringify(hb),
  };
}
export type LatestRow = ReturnType<typeof latestRow>;
export const LATEST_COLUMNS = Object.keys(latestRow(sampleBody(), 0, 0)) as (keyof LatestRow)[];

/** A configured device that is not connected or reports a fault. */
export function devicesDown(devices: readonly HeartbeatDevice[]): number {
  return devices.filter((d) => d.configured && (!d.connected || d.fault !== null)).length;
}

function sampleBody(): HeartbeatBody {
  return {
    v: 1,
    kioskId: '0000000000000000',
    sentAt: 0,
    venueId: null,
    softwareVersion: '',
    configRevision: null,
    trustList: { state: 'missing', seq: null, issuedAt: null, ageHours: null },
    statusList: { state: 'missing', seq: null, ageHours: null },
    devices: [],
    backlog: 0,
    clockOffsetMs: null,
    freeDiskBytes: null,
  };
}

/**
 * The fleet query. `enabled` is the backend's truth test of kiosks.enabled (SQLite stores 0/1,
 * PostgreSQL a boolean). Every alert is a CASE over the latest heartbeat and the parameters, counted
 * for the whole filtered fleet in the same pass that cuts the page.
 */
export function fleetSql(enabled: string, filter: { venue: boolean }): { page: string; counts: string } {
  const on = `(${enabled})`;
  const alert = {
    silent: `${on} AND (h.kiosk_id IS NULL OR h.received_at < :silentCut)`,
    'stale-lists': `${on} AND h.kiosk_id IS NOT NULL AND (h.trust_state <> 'fresh' OR h.status_state <> 'fresh' OR h.trust_issued_est IS NULL OR h.status_issued_est IS NULL OR h.trust_issued_est < :trustCut OR h.status_issued_est < :statusCut)`,
    'device-offline': `${on} AND h.devices_down > 0`,
    'clock-skew': `${on} AND abs(h.clock_offset_ms) > :skew`,
    'disk-low': `${on} AND h.free_disk_bytes IS NOT NULL AND h.free_disk_bytes < :diskLow`,
  } satisfies Record<FleetAlert, string>;
  const flags = FLEET_ALERTS.map((a) => `CASE WHEN ${alert[a]} THEN 1 ELSE 0 END AS ${flagColumn(a)}`).join(',\n       ');
  const base = `WITH f AS (
  SELECT k.kiosk_id AS kid, k.name, CASE WHEN ${on} THEN 1 ELSE 0 END AS is_enabled, k.last_upload_at, h.received_at, h.venue_id, h.software_version,
         h.config_revision, h.trust_state, h.trust_seq, h.trust_issued_est, h.status_state, h.status_seq, h.status_issued_est, h.backlog,
         h.free_disk_bytes, h.clock_offset_ms, h.body,
       ${flags}
    FROM ${
      // A venue is known only from a heartbeat: an inner join driven by heartbeats_latest_by_venue
      // (written out rather than "OR :venue IS NULL", which SQLite cannot plan through the index).
      filter.venue ? 'kiosk_heartbeats_latest h JOIN kiosks k ON k.kiosk_id = h.kiosk_id WHERE h.venue_id = CAST(:venue AS TEXT)' : 'kiosks k LEFT JOIN kiosk_heartbeats_latest h ON h.kiosk_id = k.kiosk_id'
    }
)`;
  const anyFlag = `(${FLEET_ALERTS.map(flagColumn).join(' + ')}) > 0`;
  const which = `(CAST(:alert AS TEXT) IS NULL OR (CAST(:alert AS TEXT) = 'any' AND ${anyFlag})${FLEET_ALERTS.map((a) => ` OR (CAST(:alert AS TEXT) = '${a}' AND ${flagColumn(a)} = 1)`).join('')})`;
  return {
    page: `${base}
SELECT * FROM f WHERE ${which} ORDER BY kid LIMIT :limit OFFSET :offset`,
    counts: `${base}
SELECT count(*) AS n, coalesce(sum(CASE WHEN ${anyFlag} THEN 1 ELSE 0 END), 0) AS any_alert, ${FLEET_ALERTS.map((a) => `coalesce(sum(${flagColumn(a)}), 0) AS ${flagColumn(a)}`).join(', ')} FROM f`,
  };
}

function flagColumn(a: FleetAlert): string {
  return `a_${a.replace('-', '_')}`;
}

export function fleetParams(q: FleetQuery): Record<string, string | number | null> {
  const t = q.thresholds;
  // Whole milliseconds and bytes: PostgreSQL compares them with bigint columns.
  return {
    now: Math.floor(q.now),
    silentCut: Math.floor(q.now - t.silentMinutes * 60_000),
    trustCut: Math.floor(q.now - t.trustMaxAgeHours * 3600_000),
    statusCut: Math.floor(q.now - t.statusMaxAgeHours * 3600_000),
    skew: Math.floor(t.clockSkewMs),
    diskLow: Math.floor(t.diskLowBytes),
    venue: q.venue ?? null,
    alert: q.alert ?? null,
    limit: q.pageSize,
    offset: (q.page - 1) * q.pageSize,
  };
}

/** `:name` → `@name` (better-sqlite3 named parameters); the `now` parameter is unused there. */
export function sqliteParams(sql: string, params: Record<string, unknown>): { sql: string; params: Record<string, unknown> } {
  const used: Record<string, unknown> = {};
  const text = sql.replace(/:([a-zA-Z]+)/g, (_m, name: string) => {
    used[name] = params[name];
    return `@${name}`;
  });
  return { sql: text, params: used };
}

/** `:name` → `$n` (node-postgres positional parameters), the same name the same number. */
export function pgParams(sql: string, params: Record<string, unknown>): { sql: string; values: unknown[] } {
  const order: string[] = [];
  const text = sql.replace(/:([a-zA-Z]+)/g, (_m, name: string) => {
    let i = order.indexOf(name);
    if (i < 0) i = order.push(name) - 1;
    return `$${i + 1}`;
  });
  return { sql: text, values: order.map((n) => params[n]) };
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** One row of the page query → what the endpoint answers. */
export function fleetKiosk(r: Record<string, unknown>, now: number): FleetKiosk {
  const body = typeof r.body === 'string' ? (JSON.parse(r.body) as HeartbeatBody) : null;
  const age = (est: unknown) => (est === null || est === undefined ? null : Math.round(((now - Number(est)) / 3600_000) * 10) / 10);
  return {
    kioskId: String(r.kid),
    name: r.name === null ? null : String(r.name),
    enabled: Number(r.is_enabled) === 1,
    venueId: r.venue_id === null || r.venue_id === undefined ? null : String(r.venue_id),
    lastHeartbeatAt: num(r.received_at),
    lastUploadAt: num(r.last_upload_at),
    backlog: num(r.backlog),
    softwareVersion: body?.softwareVersion ?? null,
    configRevision: num(r.config_revision),
    fleetConfig: body?.fleetConfig ? { revision: body.fleetConfig.revision, refused: body.fleetConfig.refused ?? null } : null,
    trustList: body ? { state: String(r.trust_state), seq: num(r.trust_seq), ageHours: age(r.trust_issued_est) } : null,
    statusList: body ? { state: String(r.status_state), seq: num(r.status_seq), ageHours: age(r.status_issued_est) } : null,
    devices: body?.devices ?? [],
    clockOffsetMs: num(r.clock_offset_ms),
    freeDiskBytes: num(r.free_disk_bytes),
    alerts: FLEET_ALERTS.filter((a) => Number(r[flagColumn(a)]) === 1),
  };
}

/** Kiosks the query matches (all pages): the venue's fleet, or those with the asked alert. Counts ran with alert = null. */
export function fleetTotal(counts: Record<string, unknown> | undefined, q: Pick<FleetQuery, 'alert'>): number {
  if (q.alert === 'any') return Number(counts?.any_alert ?? 0);
  return q.alert ? alertCounts(counts)[q.alert] : Number(counts?.n ?? 0);
}

export function alertCounts(r: Record<string, unknown> | undefined): Record<FleetAlert, number> {
  return Object.fromEntries(FLEET_ALERTS.map((a) => [a, Number(r?.[flagColumn(a)] ?? 0)])) as Record<FleetAlert, number>;
}

/** `GET /v1/fleet/kiosks?venue=&alert=&page=&pageSize=`: the query string, checked. */
export const fleetQuerySchema = z.strictObject({
  venue: z.string().min(1).max(64).optional(),
  alert: z.enum([...FLEET_ALERTS, 'any']).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(100),
});
