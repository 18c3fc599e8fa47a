// `kiosk log seed N`: fills the log with realistic synthetic passages for demos and
// benchmarks. Everything is made up: names from common surnames and given-name characters, resident
// ID numbers with valid check characters (id-number.ts), a few demo people mixed in. Deterministic
// for a given seed. Rows go in batched transactions (one fsync per batch) so a million rows take
// seconds, not hours.
import { mulberry32 } from '../../base/prng.js';
import { withCheckChar } from '../codes/id-number.js';
import { DEMO_PEOPLE } from '../demo/people.js';
import type { Reason } from '../../contract/reasons.js';
import type { EntryStore } from './entry-store.js';
import type { NewEntry } from './types.js';

const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'];
const GIVEN = [...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰玉萍红华建国志文晨宇浩然欣怡子涵梓轩一诺佳琪思远俊杰雨萱博文嘉怡'];
const PROVINCES = ['110000', '310000', '330000', '320000', '440000', '510000', '420000', '370000'];
const DISTRICTS = ['110101', '310104', '330102', '320102', '440106', '510107', '420102', '370102'];

/** Seeded demo data must repeat exactly: the one PRNG (src/base), re-exported for the store's tests. */
export { mulberry32 };

export interface SeedOptions {
  /** First and last passage time (UTC ms); defaults to the last 7 days. */
  fromMs?: number;
  toMs?: number;
  venueId?: string;
  kioskId?: string;
  seed?: number;
  batchSize?: number;
  onProgress?: (written: number) => void;
}

/** Builds the i-th synthetic passage of `count`, spread evenly between from and to. */
export function syntheticEntry(rand: () => number, atMs: number, venueId: string, kioskId: string): NewEntry {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  let holderName: string;
  let documentNumber: string;
  let documentType = 'CN';
  let province: string;
  if (rand() < 0.02) {
    const p = pick(DEMO_PEOPLE);
    holderName = p.name;
    documentNumber = p.idNumber;
    documentType = p.docType;
    province = p.province;
  } else {
    holderName = pick(SURNAMES) + pick(GIVEN) + (rand() < 0.6 ? pick(GIVEN) : '');
    const district = Math.floor(rand() * DISTRICTS.length);
    province = PROVINCES[district]!;
    const year = 1940 + Math.floor(rand() * 70);
    const month = 1 + Math.floor(rand() * 12);
    const day = 1 + Math.floor(rand() * 28);
    const serial = Math.floor(rand() * 1000);
    documentNumber = withCheckChar(`${DISTRICTS[district]}${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}${String(serial).padStart(3, '0')}`);
  }
  const m = rand();
  const method = m < 0.7 ? 'code' : m < 0.85 ? 'card' : 'both';
  const temperatureC = rand() < 0.03 ? null : Math.round((36.0 + rand() * 1.2 + (rand() < 0.01 ? 1.5 : 0)) * 10) / 10;
  const s = rand();
  const statusColour = s < 0.94 ? 'green' : s < 0.98 ? 'yellow' : 'red';
  let decision: NewEntry['decision'] = 'admit';
  let reason: Reason | null = null;
  const fail = rand();
  if (statusColour !== 'green') [decision, reason] = ['deny', statusColour === 'yellow' ? 'STATUS_YELLOW' : 'STATUS_RED'];
  else if (temperatureC !== null && temperatureC >= 37.3) [decision, reason] = ['deny', 'FEVER'];
  else if (fail < 0.01) [decision, reason] = ['deny', 'CODE_EXPIRED'];
  else if (fail < 0.015) [decision, reason] = ['deny', 'SIGNATURE_INVALID'];
  else if (fail < 0.02) [decision, reason] = ['review', 'STATUS_LIST_STALE'];
  else if (temperatureC === null) [decision, reason] = ['review', 'TEMPERATURE_MISSING'];
  const hasCode = method !== 'card';
  return {
    at: atMs,
    venueId,
    kioskId,
    method,
    holderName,
    documentType,
    documentNumber,
    codeId: hasCode ? Array.from({ length: 4 }, () => Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0')).join('') : null,
    codeIssuer: hasCode ? province : null,
    statusColour,
    temperatureC,
    decision,
    reason,
    trustListSeq: hasCode ? 42 : null,
  };
}

export async function seedEntries(store: EntryStore, count: number, options: SeedOptions = {}): Promise<{ written: number; firstSeq: number; lastSeq: number }> {
  const n = Math.max(0, Math.floor(count));
  const toMs = options.toMs ?? Date.now();
  const fromMs = options.fromMs ?? toMs - 7 * 86_400_000;
  const rand = mulberry32(options.seed ?? 20200123);
  const batchSize = Math.max(1, options.batchSize ?? 5000);
  const venueId = options.venueId ?? 'demo-venue';
  const kioskId = options.kioskId ?? 'kiosk-1';
  const step = n > 1 ? (toMs - fromMs) / (n - 1) : 0;
  let firstSeq = 0;
  let lastSeq = store.lastSeq();
  for (let i = 0; i < n; i += batchSize) {
    const batch: NewEntry[] = [];
    for (let j = i; j < Math.min(n, i + batchSize); j++) batch.push(syntheticEntry(rand, Math.round(fromMs + j * step), venueId, kioskId));
    const written = store.appendBatch(batch);
    if (firstSeq === 0) firstSeq = written[0]!.seq;
    lastSeq = written[written.length - 1]!.seq;
    options.onProgress?.(Math.min(n, i + batchSize));
    // Let the event loop breathe (progress bar, signals) between batches.
    await new Promise<void>((r) => setImmediate(r));
  }
  return { written: n, firstSeq, lastSeq };
}
