// 004: roll-ups of the entry log, so the admin's statistics answer from a few thousand counters
// instead of scanning a million rows (docs/admin-console.md, "Statistics").
//
// Hours and days here are UTC (`at_ms / 3600000`, `at_ms / 86400000`), not venue-local: a row's
// counter then never depends on configuration, so insert, override and purge always touch the same
// counter, a change of the kiosk's time zone needs no rebuild, and a daylight-saving change cannot
// fold two hours into one. The venue's local day is the UTC hours between its two local midnights
// (statistics.ts): 23, 24 or 25 of them, exact in every zone whose offset is a whole number of hours
// (all of China; DST moves clocks by an hour).
//
// - `rollup_hours`: one row per UTC hour: the kiosk's decisions (admit / deny / review) and the
//   final outcome at the door (`final_*`: the guard's latest override, else the kiosk's decision).
//   The charts by hour and the counts per local day read these, one row per hour.
// - `entry_rollups`: per UTC hour, dimension and key, the counts the statistics give as range totals:
//     reason    the reason code of the kiosk's decision ('' for an admit)
//     method    code / card / both
//     province  the code's issuing province (`code_issuer`, '' for a card alone)
//     temp      the temperature in tenths of °C rounded (350 … 420), 'under' / 'over' outside
//               35.0–42.0 °C, '' when none was measured
// - `entry_rollups_daily`: the same per UTC day. A range reads its whole UTC days here and only the
//   hours at its two edges from `entry_rollups`: 90 days are ~4,000 counters, not ~100,000.
// Nothing personal: no name, no number, nothing that needs the store key.
//
// Triggers keep the counters in the SAME transaction as the row that changes them: the insert of an
// entry (the passage's durable append), the insert of a guard override (the final outcome moves from
// the previous one to the new one), and the delete of an entry (retention's purge subtracts what the
// entry counted, override included: overrides are purged only after their entry). No writer can
// forget them, and a crash can never leave counters and rows apart. The counters of the current hour
// and day sit together, so an append dirties a page or two more, not one per counter.
// The step builds the counters of an existing log in one pass over it.
import type Database from 'better-sqlite3';
import type { Migration } from './types.js';

/** The temperature key of a value in °C (SQL); statistics.ts `temperatureKey` is the same rule. */
const tempKey = (col: string) => `CASE WHEN ${col} IS NULL THEN ''
       WHEN round(${col} * 10) < 350 THEN 'under'
       WHEN round(${col} * 10) > 420 THEN 'over'
       ELSE CAST(CAST(round(${col} * 10) AS INTEGER) AS TEXT) END`;

/** The latest guard override's decision for entry `seq` (NULL when none). */
const latestOverride = (seq: string) => `(SELECT decision FROM entry_overrides WHERE entry_seq = ${seq} ORDER BY seq DESC LIMIT 1)`;

/** The range-total dimensions and their key expressions over an entry row `r`. */
const KEYED = (r: string) =>
  [
    ['reason', `coalesce(${r}.reason, '')`],
    ['method', `${r}.method`],
    ['province', `coalesce(${r}.code_issuer, '')`],
    ['temp', tempKey(`${r}.temperature_c`)],
  ] as const;

const HOUR = (r: string) => `${r}.at_ms / 3600000`;
const DAY = (r: string) => `${r}.at_ms / 86400000`;

export const hourlyRollupsMigration: Migration = {
  version: 4,
  name: 'hourly-rollups',
  up(db: Database.Database) {
    const finalOf = `coalesce(${latestOverride('OLD.seq')}, OLD.decision)`;
    const previousFinal = `coalesce((SELECT decision FROM entry_overrides WHERE entry_seq = NEW.entry_seq AND seq < NEW.seq ORDER BY seq DESC LIMIT 1),
                                    (SELECT decision FROM entries WHERE seq = NEW.entry_seq))`;
    db.exec(`
      CREATE TABLE rollup_hours (
        hour          INTEGER PRIMARY KEY,
        admit         INTEGER NOT NULL DEFAULT 0,
        deny          INTEGER NOT NULL DEFAULT 0,
        review        INTEGER NOT NULL DEFAULT 0,
        final_admit   INTEGER NOT NULL DEFAULT 0,
        final_deny    INTEGER NOT NULL DEFAULT 0,
        final_review  INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE entry_rollups (
        hour  INTEGER NOT NULL,
        dim   TEXT    NOT NULL,
        key   TEXT    NOT NULL,
        n     INTEGER NOT NULL,
        PRIMARY KEY (hour, dim, key)
      ) WITHOUT ROWID;
      CREATE TABLE entry_rollups_daily (
        day   INTEGER NOT NULL,
        dim   TEXT    NOT NULL,
        key   TEXT    NOT NULL,
        n     INTEGER NOT NULL,
        PRIMARY KEY (day, dim, key)
      ) WITHOUT ROWID;

      CREATE TRIGGER entry_rollups_on_insert AFTER INSERT ON entries BEGIN
        INSERT INTO rollup_hours (hour, admit, deny, review, final_admit, final_deny, final_review)
          VALUES (${HOUR('NEW')}, NEW.decision = 'admit', NEW.decision = 'deny', NEW.decision = 'review',
                  NEW.decision = 'admit', NEW.decision = 'deny', NEW.decision = 'review')
        ON CONFLICT (hour) DO UPDATE SET
          admit = admit + excluded.admit, deny = deny + excluded.deny, review = review + excluded.review,
          final_admit = final_admit + excluded.final_admit, final_deny = final_deny + excluded.final_deny, final_review = final_review + excluded.final_review;
        INSERT INTO entry_rollups (hour, dim, key, n) VALUES
          ${KEYED('NEW')
            .map(([dim, key]) => `(${HOUR('NEW')}, '${dim}', ${key}, 1)`)
            .join(',\n          ')}
        ON CONFLICT (hour, dim, key) DO UPDATE SET n = n + 1;
        INSERT INTO entry_rollups_daily (day, dim, key, n) VALUES
          ${KEYED('NEW')
            .map(([dim, key]) => `(${DAY('NEW')}, '${dim}', ${key}, 1)`)
            .join(',\n          ')}
        ON CONFLICT (day, dim, key) DO UPDATE SET n = n + 1;
      END;

      CREATE TRIGGER entry_rollups_on_override AFTER INSERT ON entry_overrides BEGIN
        UPDATE rollup_hours SET
          final_admit  = final_admit  + (NEW.decision = 'admit')  - (${previousFinal} = 'admit'),
          final_deny   = final_deny   + (NEW.decision = 'deny')   - (${previousFinal} = 'deny'),
          final_review = final_review                             - (${previousFinal} = 'review')
         WHERE hour = (SELECT at_ms / 3600000 FROM entries WHERE seq = NEW.entry_seq);
      END;

      CREATE TRIGGER entry_rollups_on_delete AFTER DELETE ON entries BEGIN
        UPDATE rollup_hours SET
          admit = admit - (OLD.decision = 'admit'), deny = deny - (OLD.decision = 'deny'), review = review - (OLD.decision = 'review'),
          final_admit = final_admit - (${finalOf} = 'admit'), final_deny = final_deny - (${finalOf} = 'deny'), final_review = final_review - (${finalOf} = 'review')
         WHERE hour = ${HOUR('OLD')};
        ${KEYED('OLD')
          .map(([dim, key]) => `UPDATE entry_rollups SET n = n - 1 WHERE hour = ${HOUR('OLD')} AND dim = '${dim}' AND key = ${key};`)
          .join('\n        ')}
        ${KEYED('OLD')
          .map(([dim, key]) => `UPDATE entry_rollups_daily SET n = n - 1 WHERE day = ${DAY('OLD')} AND dim = '${dim}' AND key = ${key};`)
          .join('\n        ')}
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
  db.exec('DELETE FROM rollup_hours; DELETE FROM entry_rollups; DELETE FROM entry_rollups_daily;');
  const keyed = KEYED('e');
  const groups = db
    .prepare(
      `SELECT ${HOUR('e')} AS hour, e.decision AS decision, coalesce(${latestOverride('e.seq')}, e.decision) AS final,
              ${keyed.map(([dim, key]) => `${key} AS ${dim}`).join(', ')}, count(*) AS n
         FROM entries e
        GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    )
    .iterate() as IterableIterator<Record<string, string | number>>;
  const hours = new Map<number, number[]>();
  const hourly = new Map<string, number>();
  const daily = new Map<string, number>();
  const OUTCOME = { admit: 0, deny: 1, review: 2 } as Record<string, number>;
  for (const g of groups) {
    const hour = g.hour as number;
    const n = g.n as number;
    const row = hours.get(hour) ?? [0, 0, 0, 0, 0, 0];
    row[OUTCOME[g.decision as string]!]! += n;
    row[3 + OUTCOME[g.final as string]!]! += n;
    hours.set(hour, row);
    for (const [dim] of keyed) {
      const h = `${hour}\u0000${dim}\u0000${g[dim]}`;
      hourly.set(h, (hourly.get(h) ?? 0) + n);
      const d = `${Math.floor(hour / 24)}\u0000${dim}\u0000${g[dim]}`;
      daily.set(d, (daily.get(d) ?? 0) + n);
    }
  }
  const putHour = db.prepare('INSERT INTO rollup_hours (hour, admit, deny, review, final_admit, final_deny, final_review) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const [hour, row] of hours) putHour.run(hour, ...row);
  for (const [table, counters] of [
    ['entry_rollups (hour', hourly],
    ['entry_rollups_daily (day', daily],
  ] as const) {
    const put = db.prepare(`INSERT INTO ${table}, dim, key, n) VALUES (?, ?, ?, ?)`);
    for (const [k, n] of counters) {
      const [at, dim, key] = k.split('\u0000') as [string, string, string];
      put.run(Number(at), dim, key, n);
    }
  }
}
