// An EU DCC (`HC1:`) presented at the door (docs/dcc-trust.md, "At the door"): verified against the
// installed signed DSC list (verify-hc1.ts), decided by the venue's DCC rules (dcc-policy.ts), and
// recorded in the entry's existing columns, so the entry log, its hash chain, exports, statistics
// and uploads keep their shape:
//   - doc_type     the credential type, `DCC-V`, `DCC-T` or `DCC-R`;
//   - code_issuer  the issuing country (CWT iss, ISO 3166-1 alpha-2; a PHC1 issuer is 6 digits);
//                  `EU` for a certificate that did not verify: the country it names is not to be
//                  believed, yet the entry stays an EU certificate's, so the statistics count it as
//                  one and not as a card alone (docs/admin-console.md, "Statistics");
//   - code_id      the first 16 bytes of SHA-256 over the certificate identifier (UVCI), hex: the
//                  same certificate is found again without the UVCI itself being kept;
//   - holder_name  the holder as the certificate names them (given name, family name), masked on
//                  screen as for PHC1;
//   - doc_number   a DCC carries no document number: the number of an ID card presented with it,
//                  or none. The kiosk cannot match the card against the certificate (there is
//                  nothing to match it by), so such a passage goes to the guard (DCC_CARD_UNMATCHED,
//                  docs/dcc-policy.md) and the entry records the card beside the certificate.
import { createHash } from 'node:crypto';
import type { Reason } from '../../contract/reasons.js';
import { verifyHc1 } from '../codes/dcc/verify-hc1.js';
import type { DccCertificate, DscEntry, Hc1Result } from '../codes/dcc/types.js';
import { decideForDcc, decideForInauthenticDcc, type DscListState } from '../policy/dcc-policy.js';
import type { DecisionResult, VenuePolicy } from '../policy/policy.js';
import type { PresentedCard } from './passage.js';

export { HC1_PREFIX } from '../codes/dcc/types.js';

/** The installed DSC list as the passage reads it (DscListCache). */
export interface DscListSource {
  /** Picks up a list installed by another process (`kiosk trust import-dsc`). */
  refreshIfChanged?(): unknown;
  readonly dscs: ReadonlyMap<string, DscEntry> | null;
  state(now: number, maxAgeDays: number): DscListState;
}

export interface DccPassageInput {
  text: string;
  dscList: DscListSource | null;
  policy: VenuePolicy;
  card: PresentedCard | null;
  temperatureC: number | null;
  thermometerFitted: boolean;
  /** Seconds since the epoch. */
  now: number;
}

export interface DccPassageResult {
  decision: DecisionResult['decision'];
  reason: Reason | null;
  reasons: Reason[];
  holder: { name: string | null; docType: string | null; id: string | null; iss: string | null; cti: string | null };
  /** What the verifier said (for `kiosk verify`; the passage logs only the reasons). */
  verification: Hc1Result;
  dscListState: DscListState;
}

/** The holder's name as printed on the certificate: given then family name, the transliteration when the name itself is absent. */
export function dccHolderName(c: DccCertificate): string | null {
  const given = c.name.gn ?? c.name.gnt ?? '';
  const family = c.name.fn ?? c.name.fnt ?? '';
  const name = `${given} ${family}`.trim();
  return name === '' ? null : name;
}

/** code_issuer of an `HC1:` code that did not verify: an EU certificate from no country we can believe. */
export const UNVERIFIED_DCC_ISSUER = 'EU';

export function dccCredentialType(c: DccCertificate): string {
  return `DCC-${c.type.toUpperCase()}`;
}

export function evaluateDcc(input: DccPassageInput): DccPassageResult {
  const { policy, now } = input;
  input.dscList?.refreshIfChanged?.();
  const dscs = input.dscList?.dscs ?? null;
  const verification = verifyHc1(input.text, { dscs, now, skewSeconds: policy.clockSkewSeconds });
  // The DSC list's age counts as the trust list's does (docs/dcc-trust.md, "Freshness").
  const dscListState: DscListState = input.dscList ? input.dscList.state(now, policy.maxTrustListAgeDays) : 'missing';
  const thermometer = { temperatureC: input.temperatureC, thermometerFitted: input.thermometerFitted };
  const r: DecisionResult =
    verification.authentic && verification.certificate
      ? decideForDcc({ certificate: verification.certificate, policy, dscListState, ...thermometer, now, card: input.card ? { id: input.card.idNumber } : null })
      : withListMissing(decideForInauthenticDcc({ reason: verification.reason, policy, ...thermometer }), dscListState);
  // A certificate whose signature verified names its holder even when it is out of date (as an
  // expired PHC1 code does); one that did not verify names nobody: the card, when read, does.
  const c = verification.certificate;
  const card = input.card;
  return {
    decision: r.decision,
    reason: r.reason,
    reasons: r.reasons,
    verification,
    dscListState,
    holder: c
      ? { name: dccHolderName(c), docType: dccCredentialType(c), id: card?.idNumber ?? null, iss: c.issuerCountry, cti: c.ci ? createHash('sha256').update(c.ci, 'utf8').digest('hex').slice(0, 32) : null }
      : { name: card?.name ?? null, docType: card?.docType ?? null, id: card?.idNumber ?? null, iss: UNVERIFIED_DCC_ISSUER, cti: null },
  };
}

/**
 * With no DSC list installed every signer is unknown: the guard is told the list is missing
 * (DCC_LIST_MISSING, a kiosk to fix) rather than "signer unknown" (a certificate to doubt).
 */
function withListMissing(r: DecisionResult, state: DscListState): DecisionResult {
  if (state !== 'missing' || !r.reasons.includes('DCC_KEY_UNKNOWN')) return r;
  const reasons = r.reasons.map((x) => (x === 'DCC_KEY_UNKNOWN' ? 'DCC_LIST_MISSING' : x));
  return { ...r, reason: reasons[0] ?? null, reasons };
}
