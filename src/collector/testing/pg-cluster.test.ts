// The throwaway cluster's huge pages (pg-cluster.ts, PgClusterOptions.hugePages): asked for, the
// server either runs in them (SHOW huge_pages is on) and the pages it reserved are given back at
// stop, or it runs without them and says why. Not asked for, it never takes any.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findPgBin, startPgCluster } from './pg-cluster.js';

const hugeTotal = () => Number(/^HugePages_Total:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? NaN);
const skip = findPgBin() === null && process.env.CI !== 'true';

describe.skipIf(skip)('a throwaway PostgreSQL cluster', () => {
  it('asked for huge pages: runs in them and gives the reserved ones back at stop, or says why not', async () => {
    const before = hugeTotal();
    const cluster = await startPgCluster({ hugePages: true, settings: { shared_buffers: '16MB' } });
    try {
      const { rows } = await cluster.query('postgres', 'SHOW huge_pages');
      if (cluster.hugePages.used) {
        expect(rows[0].huge_pages).toBe('on');
        expect(cluster.hugePages.pages).toBeGreaterThan(0);
        expect(hugeTotal()).toBe(before + cluster.hugePages.reserved);
      } else {
        // As a user who may not set vm.nr_hugepages, or a kernel without the memory: a reason, and off.
        expect(cluster.hugePages.reason).toMatch(/huge pages|shared_memory_size_in_huge_pages/);
        expect(rows[0].huge_pages).toBe('off');
      }
    } finally {
      await cluster.stop();
    }
    expect(hugeTotal()).toBe(before);
  });

  it('not asked for: huge_pages is off, so it never takes pages reserved for another cluster', async () => {
    const cluster = await startPgCluster({ settings: { shared_buffers: '16MB' } });
    try {
      expect(cluster.hugePages).toEqual({ used: false, reason: 'not asked for' });
      expect((await cluster.query('postgres', 'SHOW huge_pages')).rows[0].huge_pages).toBe('off');
    } finally {
      await cluster.stop();
    }
  });
});
