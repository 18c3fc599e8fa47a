// The collector's tests run against both storage backends (storage.ts): `describe.each(collectorBackends())`.
// The PostgreSQL one is a real server: a throwaway cluster per test file (pg-cluster.ts), a fresh
// database per test. Without PostgreSQL installed the PostgreSQL half is left out with a warning on
// a developer's machine, and FAILS under CI (CI=true): a suite that silently skipped would say
// "passed" about a backend nobody tested.
import { afterAll } from 'vitest';
import { join } from 'node:path';
import { findPgBin, startPgCluster, type PgCluster } from './pg-cluster.js';

export interface CollectorBackend {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty database for one test: a SQLite file in `dir`, or a new PostgreSQL database. */
  database(dir: string, file?: string): Promise<string>;
  /** The cluster (postgres only), started on first use. */
  cluster?(): Promise<PgCluster>;
}

export function collectorBackends(): CollectorBackend[] {
  const sqlite: CollectorBackend = { name: 'sqlite', database: async (dir, file = 'collector.sqlite3') => join(dir, file) };
  const available = findPgBin() !== null;
  if (!available && process.env.CI !== 'true') {
    process.emitWarning('PostgreSQL is not installed: the collector tests run on SQLite only (apt-get install postgresql); under CI this fails');
    return [sqlite];
  }
  let started: Promise<PgCluster> | null = null;
  const cluster = () => {
    if (!available) throw new Error('PostgreSQL is required for the collector tests under CI (apt-get install postgresql), and it is not installed');
    started ??= startPgCluster();
    return started;
  };
  afterAll(async () => {
    if (started) await (await started).stop();
  });
  return [sqlite, { name: 'postgres', database: async () => (await cluster()).createDatabase(), cluster }];
}
