// Demo PKI and code issuing: a development and fixture tool, never part of a deployed kiosk's
// decisions. Makes a national root, provincial keys, a signed trust list (spec §2), a status list
// (spec §3) and PHC1 codes (spec §1) for the demo population. Deterministic from a seed, so fixtures
// regenerate byte for byte.
import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PEOPLE, type DemoPerson } from '../demo/people.js';
import { base45Encode } from '../../base/base45.js';
import { base64urlDecode, base64urlEncode } from '../../base/base64url.js';
import { cborEncode } from './cbor.js';
import { CWT_CTI, CWT_EXP, CWT_HC, CWT_IAT, CWT_ISS, type DocumentType } from './claims.js';
import { encodeCoseSign1 } from './cose.js';
import { generateKeyPair, keyId, sign, type Ed25519KeyPair } from './ed25519.js';
import { buildStatusRecords, signJws, type PinnedRoot } from './lists.js';
import { PHC1_PREFIX } from './verify.js';

export const DEMO_PROVINCES: Record<string, string> = {
  '110000': '北京市',
  '310000': '上海市',
  '330000': '浙江省',
  '440000': '广东省',
  '460000': '海南省',
  '510000': '四川省',
};

const DAY = 86400;

function seedFor(seed: string, label: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`checkpoint-kiosk demo pki|${seed}|${label}`).digest());
}

export interface ProvinceKey {
  iss: string;
  kid: string;
  keyPair: Ed25519KeyPair;
}

export interface DemoPki {
  root: Ed25519KeyPair;
  roots: PinnedRoot[];
  provinces: ProvinceKey[];
  trustListJws: string;
  statusListJws: string;
  now: number;
}

export interface DemoPkiOptions {
  /** Seed for deterministic keys (fixtures); random when absent. */
  seed?: string;
  now?: number;
  trustListSeq?: number;
  statusListSeq?: number;
  /** Extra synthetic status-list records beyond the demo people (realistic size). */
  syntheticStatusRecords?: number;
}

const iso = (epoch: number) => new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');

export function makeDemoPki(opts: DemoPkiOptions = {}): DemoPki {
  const seed = opts.seed ?? randomBytes(16).toString('hex');
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const root = generateKeyPair(seedFor(seed, 'root'));
  const roots: PinnedRoot[] = [{ kid: base64urlEncode(keyId(root.publicKey)), pub: base64urlEncode(root.publicKey) }];
  const provinces = Object.keys(DEMO_PROVINCES).map((iss) => {
    const keyPair = generateKeyPair(seedFor(seed, `province ${iss}`));
    return { iss, kid: base64urlEncode(keyId(keyPair.publicKey)), keyPair };
  });
  const issued = now - 3600;
  const trustListJws = signJws(
    {
      seq: opts.trustListSeq ?? 1,
      issued: iso(issued),
      nextUpdate: iso(issued + 7 * DAY),
      keys: provinces.map((p) => ({
        kid: p.kid,
        iss: p.iss,
        pub: base64urlEncode(p.keyPair.publicKey),
        nbf: iso(issued - 365 * DAY),
        exp: iso(issued + 2 * 365 * DAY),
        status: 'active',
      })),
      revokedCodes: [],
    },
    'trust',
    { rootSecretKey: root.secretKey, rootPublicKey: root.publicKey },
  );
  const salt = seedFor(seed, 'status salt').subarray(0, 16);
  const listed = DEMO_PEOPLE.filter((p) => p.status !== 0).map((p) => ({ id: p.idNumber, st: p.status as 1 | 2, su: issued - 6 * 3600 }));
  const synthetic = Array.from({ length: opts.syntheticStatusRecords ?? 1000 }, (_, i) => ({
    id: `SYN${String(i).padStart(15, '0')}`,
    st: ((i % 3) + 1 === 3 ? 2 : (i % 2) + 1) as 1 | 2,
    su: issued - (i % 48) * 3600,
  }));
  const statusListJws = signJws(
    {
      seq: opts.statusListSeq ?? 1,
      issued: iso(issued),
      nextUpdate: iso(issued + DAY),
      salt: base64urlEncode(salt),
      records: base64urlEncode(buildStatusRecords(salt, [...listed, ...synthetic])),
    },
    'status',
    { rootSecretKey: root.secretKey, rootPublicKey: root.publicKey },
  );
  return { root, roots, provinces, trustListJws, statusListJws, now };
}

// ---- on disk: DIR/roots.json (pin these), DIR/pki-secrets.json (0600), DIR/trust-list.jws, DIR/status-list.jws

interface SecretsFile {
  root: string;
  provinces: { iss: string; seed: string }[];
}

export function writeDemoPki(dir: string, pki: DemoPki): void {
  // Like everything under the data directory (docs/security.md, "File modes"): 0700 and 0600.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'roots.json'), JSON.stringify(pki.roots, null, 2) + '\n', { mode: 0o600 });
  const secrets: SecretsFile = {
    root: base64urlEncode(pki.root.secretKey.subarray(0, 32)),
    provinces: pki.provinces.map((p) => ({ iss: p.iss, seed: base64urlEncode(p.keyPair.secretKey.subarray(0, 32)) })),
  };
  writeFileSync(join(dir, 'pki-secrets.json'), JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  writeFileSync(join(dir, 'trust-list.jws'), pki.trustListJws + '\n', { mode: 0o600 });
  writeFileSync(join(dir, 'status-list.jws'), pki.statusListJws + '\n', { mode: 0o600 });
}

export interface LoadedPki {
  roots: PinnedRoot[];
  provinces: ProvinceKey[];
  trustListJws: string;
  statusListJws: string;
}

export function loadDemoPki(dir: string): LoadedPki {
  const secretsFile = join(dir, 'pki-secrets.json');
  if (!existsSync(secretsFile)) throw new Error(`${dir} holds no demo PKI (run \`kiosk pki demo ${dir}\`)`);
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as SecretsFile;
  const provinces = secrets.provinces.map((p) => {
    const keyPair = generateKeyPair(base64urlDecode(p.seed)!);
    return { iss: p.iss, kid: base64urlEncode(keyId(keyPair.publicKey)), keyPair };
  });
  return {
    roots: JSON.parse(readFileSync(join(dir, 'roots.json'), 'utf8')) as PinnedRoot[],
    provinces,
    trustListJws: readFileSync(join(dir, 'trust-list.jws'), 'utf8').trim(),
    statusListJws: readFileSync(join(dir, 'status-list.jws'), 'utf8').trim(),
  };
}

// ---- codes

export interface IssueCodeOptions {
  name: string;
  documentType: DocumentType;
  documentNumber: string;
  /** Issuing province; must have a key in the PKI. */
  iss: string;
  status: 0 | 1 | 2;
  /** When the status was assessed. */
  statusAssessedAt: number;
  issuedAt: number;
  expiresAt: number;
  test?: { positive: boolean; sampledAt: number };
  vaccination?: { doses: number; lastDoseAt: number };
  guardian?: string;
  cti?: Uint8Array;
  /** Test aid: flips a signature bit so the code is forged (SIGNATURE_INVALID). */
  forge?: boolean;
  kidInUnprotected?: boolean;
}

export function issueCode(provinces: readonly ProvinceKey[], opts: IssueCodeOptions): string {
  const key = provinces.find((p) => p.iss === opts.iss);
  if (!key) throw new Error(`no key for province ${opts.iss}`);
  const hc = new Map<string, unknown>([
    ['v', 1],
    ['nm', opts.name],
    ['dt', opts.documentType],
    ['id', opts.documentNumber],
    ['st', opts.status],
    ['su', opts.statusAssessedAt],
  ]);
  if (opts.test) hc.set('na', [opts.test.positive ? 1 : 0, opts.test.sampledAt]);
  if (opts.vaccination) hc.set('vx', [opts.vaccination.doses, opts.vaccination.lastDoseAt]);
  if (opts.guardian) hc.set('gd', opts.guardian);
  const claims = new Map<number, unknown>([
    [CWT_ISS, opts.iss],
    [CWT_IAT, opts.issuedAt],
    [CWT_EXP, opts.expiresAt],
    [CWT_CTI, opts.cti ?? new Uint8Array(randomBytes(16))],
    [CWT_HC, hc],
  ]);
  const payload = cborEncode(claims);
  const cose = encodeCoseSign1(payload, { kid: keyId(key.keyPair.publicKey), kidInUnprotected: opts.kidInUnprotected }, (msg) => {
    const sig = sign(msg, key.keyPair.secretKey);
    if (opts.forge) sig[10] = sig[10]! ^ 0x01;
    return sig;
  });
  return PHC1_PREFIX + base45Encode(deflateSync(cose, { level: 9 }));
}

/** A code for one of the demo people, valid for a day from `now`, status as the person's. */
export function issueDemoCode(provinces: readonly ProvinceKey[], person: DemoPerson, now: number, overrides: Partial<IssueCodeOptions> = {}): string {
  return issueCode(provinces, {
    name: person.name,
    documentType: person.docType,
    documentNumber: person.idNumber,
    iss: person.province,
    status: person.status,
    statusAssessedAt: now - 2 * 3600,
    issuedAt: now - 600,
    expiresAt: now + DAY,
    test: { positive: false, sampledAt: now - 20 * 3600 },
    ...(person.guardian ? { guardian: person.guardian } : {}),
    cti: new Uint8Array(createHash('sha256').update(`cti|${person.key}|${now}`).digest().subarray(0, 16)),
    ...overrides,
  });
}
