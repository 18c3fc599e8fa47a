// 004: hourly roll-ups of the entry log, so the admin's statistics answer from a few thousand
// counters instead of scanning a million rows (docs/admin-console.md, "Statistics").
//
// - `entry_rollups`: one counter per (UTC hour, dimension, key). Hours are UTC hour numbers
//   (`at_ms / 3600000`), not venue-local hours: a row's bucket then never depends on configuration,
//   so insert, override and purge always touch the same counter, a change of the kiosk's time zone
//   needs no rebuild, and a daylight-saving change cannot fold two hours into one. The venue's local
//   day is the UTC hours between its two local midnights (statistics.ts): 23, 24 or 25 of them, exact
//   in every zone whose offset is a whole number of hours (all of China; DST moves clocks by an hour).
//   Dimensions (what a key means; '' = absent):
//     decision  the kiosk's decision (admit / deny / review)
//     final     what happened at the door: the guard's latest override, else the kiosk's decision
//     reason    the reason code of the kiosk's decision ('' for an admit)
//     method    code / card / both
//     province  the code's issuing province (`code_issuer`, '' for a card alone)
//     temp      the temperature in tenths of °C rounded (350 … 420), 'under' / 'over' outside
//               35.0–42.0 °C, '' when none was measured
//   Nothing personal: no name, no number, nothing that needs the store key.
// - Triggers keep the counters in the SAME transaction as the row that changes them: the insert of
//   an entry (the passage's durable append), the insert of a guard override (final moves from the
//   previous outcome to the new one), and the delete of an entry (retention's purge subtracts the
//   outcome the entry had, override included: overrides are purged only after their entry). A writer
//   cannot forget them, and a crash can never leave counters and rows apart.
// - The step builds the counters of an existing log in one pass over it.
import type Database from 'better-sqlite3';
import type { Migration } from './types.js';

/** The temperature key of a value in °C (SQL); statistics.ts `temperatureKey` is the same rule. */
const tempKey = (col: string) => `CASE WHEN ${col} IS NULL THEN ''
       WHEN round(${col} * 10) < 350 THEN 'under'
       WHEN round(${col} * 10) > 420 THEN 'over'
       ELSE CAST(CAST(round(${col} * 10) AS INTEGER) AS TEXT) END`;

/** The latest guard override's decision for entry `seq` (NULL when none). */
const latestOverride = (seq: string) => `(SELECT decision FROM entry_overrides WHERE entry_seq = ${seq} ORDER BY seq DESC LIMIT 1)`;

const DIMENSIONS = ['decision', 'final', 'reason', 'method', 'province', 'temp'] as const;

export const hourlyRollupsMigration: Migration = {
  version: 4,
  name: 'hourly-rollups',
  up(db: Database.Database) {
    db.exec(`
      CREATE TABLE entry_rollups (
        hour  INTEGER NOT NULL,
        dim   TEXT    NOT NULL,
        key   TEXT    NOT NULL,
        n     INTEGER NOT NULL,
        PRIMARY KEY (hour, dim, key)
      ) WITHOUT ROWID;

      CREATE TRIGGER entry_rollups_on_insert AFTER INSERT ON entries BEGIN
        INSERT INTO entry_rollups (hour, dim, key, n) VALUES
          (NEW.at_ms / 3600000, 'decision', NEW.decision, 1),
          (NEW.at_ms / 3600000, 'final', NEW.decision, 1),
          (NEW.at_ms / 3600000, 'reason', coalesce(NEW.reason, ''), 1),
          (NEW.at_ms / 3600000, 'method', NEW.method, 1),
          (NEW.at_ms / 3600000, 'province', coalesce(NEW.code_issuer, ''), 1),
          (NEW.at_ms / 3600000, 'temp', ${tempKey('NEW.temperature_c')}, 1)
        ON CONFLICT (hour, dim, key) DO UPDATE SET n = n + 1;
      END;

      CREATE TRIGGER entry_rollups_on_override AFTER INSERT ON entry_overrides BEGIN
        UPDATE entry_rollups SET n = n - 1
         WHERE hour = (SELECT at_ms / 3600000 FROM entries WHERE seq = NEW.entry_seq)
           AND dim = 'final'
           AND key = coalesce((SELECT decision FROM entry_overrides WHERE entry_seq = NEW.entry_seq AND seq < NEW.seq ORDER BY seq DESC LIMIT 1),
                              (SELECT decision FROM entries WHERE seq = NEW.entry_seq));
        INSERT INTO entry_rollups (hour, dim, key, n)
          SELECT at_ms / 3600000, 'final', NEW.decision, 1 FROM entries WHERE seq = NEW.entry_seq
        ON CONFLICT (hour, dim, key) DO UPDATE SET n = n + 1;
      END;

      CREATE TRIGGER entry_rollups_on_delete AFTER DELETE ON entries BEGIN
        UPDATE entry_rollups SET n = n - 1 WHERE hour = OLD.at_ms / 3600000 AND dim = 'decision' AND key = OLD.decision;
        UPDATE entry_rollups SET n = n - 1 WHERE hour = OLD.at_ms / 3600000 AND dim = 'final' AND key = coalesce(${latestOverride('OLD.seq')}, OLD.decision);
        UPDATE entry_rollups SET n = n - 1 WHERE hour = OLD.at_ms / 3600000 AND dim = 'reason' AND key = coalesce(OLD.reason, '');
        UPDATE entry_rollups SET n = n - 1 WHERE hour = OLD.at_ms / 3600000 AND dim = 'method' AND key = OLD.method;
        UPDATE entry_rollups SET n = n - 1 WHERE hour = OLD.at_ms / 3600000 AND dim = 'province' AND key = coalesce(OLD.code_issuer, '');
        UPDATE entry_rollups SET n = n - 1 WHERE hour = OLD.at_ms / 3600000 AND dim = 'temp' AND key = ${tempKey('OLD.temperature_c')};
      END;
    `);
    rebuildRollups(db);
  },
};

/**
 * Recomputes every counter from the rows (one pass over `entries`): the migration's build of an
 * existing log. Runs inside the caller's transaction.
 */
export function rebuildRollups(db: Database.Database): void {
  db.exec('DELETE FROM entry_rollups');
  const groups = db
    .prepare(
      `SELECT e.at_ms / 3600000 AS hour, e.decision AS decision, coalesce(${latestOverride('e.seq')}, e.decision) AS final,
              coalesce(e.reason, '') AS reason, e.method AS method, coalesce(e.code_issuer, '') AS province,
              ${tempKey('e.temperature_c')} AS temp, count(*) AS n
         FROM entries e
        GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    )
    .iterate() as IterableIterator<Record<(typeof DIMENSIONS)[number] | 'hour' | 'n', string | number>>;
  const counters = new Map<string, number>();
  for (const g of groups) {
    for (const dim of DIMENSIONS) {
      const k = `${g.hour}\u0000${dim}\u0000${g[dim]}`;
      counters.set(k, (counters.get(k) ?? 0) + (g.n as number));
    }
  }
  const insert = db.prepare('INSERT INTO entry_rollups (hour, dim, key, n) VALUES (?, ?, ?, ?)');
  for (const [k, n] of counters) {
    const [hour, dim, key] = k.split('\u0000') as [string, string, string];
    insert.run(Number(hour), dim, key, n);
  }
}
