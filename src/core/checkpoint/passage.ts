// One passage at the checkpoint (architecture.md "One passage, end to end"):
//
//   idle → collecting (code and/or card and/or temperature within a window) → decided → shown → idle
//
// A passage gathers what one person presents, decides once (health-code spec §4: verify, then venue
// policy), logs once, and resets. The order inside `finish` is the safety property of the kiosk:
// the entry is appended durably (synchronous=FULL) BEFORE the result is shown or the gate pulses,
// and when the append fails nothing is admitted automatically: an admit becomes a `review` that a
// guard must answer. Inputs are serialised through one queue, so a camera that decodes the same
// code 30 times a second, the serial scanner and the card reader can never interleave a decision.
//
// Under real door conditions (docs/door-passage.md): a temperature reading stays this person's while
// the sensor keeps reporting it (no expiry by age; it ends when the sensor reports nobody there or
// stops answering); a passage tells the screen what is still missing; a review waits a bounded time;
// a presentation made while a review waits is held, logged and shown, never dropped; and a decision
// carries every reason that applies.
//
// Privacy: names and document numbers stay inside this file and the store. Views carry masked
// values; operational log lines carry only passage ids, entry seqs, decisions and reason codes.
import { createHash, randomBytes } from 'node:crypto';
import { IDLE_PASSAGE, type GuardVerdict, type PassageView } from '../../contract/api.js';
import type { Decision, Reason } from '../../contract/reasons.js';
import { base64urlDecode } from '../../base/base64url.js';
import { maskDocumentNumber, maskName } from '../codes/id-number.js';
import type { StatusList, TrustList } from '../codes/lists.js';
import { verifyCode, type VerifyResult } from '../codes/verify.js';
import type { GatePulseResult } from '../devices/types.js';
import { decideForCard, decideForCode, type VenuePolicy } from '../policy/policy.js';
import type { EntryStore } from '../store/entry-store.js';
import { StoreError } from '../store/errors.js';
import type { NewEntry, StatusColour } from '../store/types.js';
import type { CheckpointSettings } from './config.js';
import type { Clock } from './clock.js';
import { evaluateDcc, HC1_PREFIX, type DscListSource } from './dcc-passage.js';

/** Where a code came from: the renderer's camera, an integrator's paste, or the serial scanner. */
export type CodeSource = 'camera' | 'manual' | 'scanner';

/** What the passage needs of a read card (a DecodedCard fits). */
export interface PresentedCard {
  idNumber: string;
  name: string;
  docType: string;
}

/** The parts of the entry log the passage uses (EntryStore in production and in tests). */
export type PassageStore = Pick<EntryStore, 'append' | 'addOverride' | 'lastAdmittedSince' | 'lastAdmittedCodeSince'>;

export interface PassageDeps {
  store: PassageStore;
  /** The cached lists, read at decision time (an update installed mid-passage applies to the next check). */
  lists: { readonly trustList: TrustList | null; readonly statusList: StatusList | null };
  /** The signed DSC list `HC1:` codes are verified against (docs/dcc-trust.md); absent or null: none installed. */
  dscList?: DscListSource | null;
  policy: VenuePolicy;
  settings: CheckpointSettings;
  venueId: string;
  kioskId: string;
  /** Opens the gate for one person (devices spec §4). Called only after the entry is committed. */
  pulseGate: () => Promise<GatePulseResult>;
  clock: Clock;
  /** True when a working thermometer is connected: a passage then waits (up to the window) for a reading. */
  temperatureExpected: () => boolean;
  /**
   * True when a thermometer is fitted at all (even a faulty one): a passage decided without a reading
   * then goes to a guard by default (policy `temperatureMissingWithThermometer`). Defaults to
   * `temperatureExpected`.
   */
  thermometerFitted?: () => boolean;
  /** Every view change, in order. */
  onView: (view: PassageView) => void;
  /** Storage became unwritable (an append failed) or writable again. */
  onStorage?: (state: { writable: boolean; reason: Reason | null }) => void;
  /** Operational log: never names or document numbers. */
  log?: (line: string) => void;
}

export type PresentResult =
  /** `held`: made while a review waits for the guard; logged and shown, decided only once presented again. */
  | { ok: true; passageId: string; duplicate: boolean; held?: boolean }
  | { ok: false; reason: Reason; message: string };

interface Passage {
  id: string;
  startedAt: number;
  deadline: number;
  code: { text: string; key: string; source: CodeSource } | null;
  card: (PresentedCard & { key: string }) | null;
  temperatureC: number | null;
}

interface Outcome {
  passageId: string;
  method: 'code' | 'card' | 'both';
  decision: Decision;
  reason: Reason | null;
  /** Every reason that applies, the deciding one first. */
  reasons: Reason[];
  trustListStale: boolean;
  maskedName: string | null;
  maskedDocumentNumber: string | null;
  provinceCode: string | null;
  dcc: PassageView['dcc'];
  temperatureC: number | null;
  entry: NewEntry;
  /** Seq of the committed entry; null when the store refused it. */
  entrySeq: number | null;
  entryId: string | null;
  /** The kiosk's own decision before a storage failure turned it into a review. */
  kioskDecision: Decision;
  awaitingGuard: boolean;
  guardVerdict: GuardVerdict | null;
  collected: PassageView['collected'];
  /** When the screen resets (clock ms), or null when no reset is due. */
  resetAt: number | null;
  /** Keys of other people's presentations held while this review waited (each counted and logged once). */
  held: Set<string>;
  heldAt: number | null;
}

export type MissingInput = PassageView['missing'][number];

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

function colourOf(st: number | null | undefined): StatusColour | null {
  return st === 0 ? 'green' : st === 1 ? 'yellow' : st === 2 ? 'red' : null;
}

/** The contract's temperature range is 20–50 °C; a valid reading is always inside (devices spec §2). */
function viewTemperature(t: number | null): number | null {
  return t !== null && t >= 20 && t <= 50 ? Math.round(t * 10) / 10 : null;
}

function ctiHex(cti: string | undefined): string | null {
  if (!cti) return null;
  const bytes = base64urlDecode(cti);
  return bytes ? Buffer.from(bytes).toString('hex') : null;
}

export class PassageFlow {
  private current: Passage | null = null;
  private shown: Outcome | null = null;
  private collectTimer: unknown = null;
  private resetTimer: unknown = null;
  /** Duplicate rule: input key → when it was last seen and in which passage. */
  private recent = new Map<string, { at: number; passageId: string }>();
  /**
   * The reading the sensor is reporting now: kept while the sensor keeps reporting it, whatever its
   * age (a person fumbling for their phone at the sensor is still the person it measured), and
   * dropped when it reports nobody there or stops answering (`temperatureGone`).
   */
  private currentTemperature: number | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private storageWritable = true;
  private closed = false;
  private lastView: PassageView;

  constructor(private readonly deps: PassageDeps) {
    this.lastView = this.idleView();
  }

  /** The view the screen should show now. */
  view(): PassageView {
    return { ...this.lastView, ...this.countdowns(this.lastView) };
  }

  /**
   * New venue rules and passage windows, from a configuration saved while the kiosk runs
   * (src/core/config/live.ts). A passage being collected keeps the rules it started under, so one
   * person is never judged half by one rule and half by another; the new ones take effect from the
   * next passage (at once when none is being collected). Queued behind every input already in hand.
   */
  reconfigure(next: { policy: VenuePolicy; settings: CheckpointSettings }): Promise<void> {
    this.pendingConfig = next;
    return this.enqueue(async () => {
      if (this.current === null) this.applyPendingConfig();
    });
  }

  private pendingConfig: { policy: VenuePolicy; settings: CheckpointSettings } | null = null;

  private applyPendingConfig(): void {
    if (!this.pendingConfig) return;
    this.deps.policy = this.pendingConfig.policy;
    this.deps.settings = this.pendingConfig.settings;
    this.pendingConfig = null;
  }

  /** Resolves once every queued input and timer has been handled (tests, shutdown). */
  settled(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  close(): void {
    this.closed = true;
    this.clearTimers();
  }

  presentCode(text: string, source: CodeSource): Promise<PresentResult> {
    // The text is kept exactly as scanned (spec §1: Base45 contains spaces, never trimmed).
    return this.enqueue(() => this.onCredential({ code: { text, key: `code:${sha256(text)}`, source } }));
  }

  presentCard(card: PresentedCard): Promise<PresentResult> {
    const key = `card:${sha256(card.idNumber.trim().toUpperCase())}`;
    return this.enqueue(() => this.onCredential({ card: { ...card, key } }));
  }

  /** A valid reading (devices spec §2: out-of-range readings never reach here as temperatures). */
  presentTemperature(celsius: number): Promise<void> {
    return this.enqueue(async () => {
      this.currentTemperature = celsius;
      const p = this.current;
      if (!p) return; // remembered: the next passage takes it while the sensor still reports it
      p.temperatureC = celsius;
      if (this.isComplete(p)) await this.decide(p);
      else this.emit(this.collectingView(p));
    });
  }

  /**
   * The sensor reads the room again (an out-of-range reading, devices spec §2), or it stopped
   * answering: whoever was measured may have stepped away, so their reading must not be given to the
   * next person. A passage still collecting loses it too (it waits for a fresh one).
   */
  temperatureGone(): Promise<void> {
    return this.enqueue(async () => {
      this.currentTemperature = null;
      const p = this.current;
      if (p && p.temperatureC !== null) {
        p.temperatureC = null;
        this.emit(this.collectingView(p));
      }
    });
  }

  /**
   * What the passage can expect changed (a thermometer became faulty or came back): a passage that
   * was waiting only for a device that is no longer working is decided now, not when its window ends.
   */
  devicesChanged(): Promise<void> {
    return this.enqueue(async () => {
      const p = this.current;
      if (!p) return;
      if (this.isComplete(p)) await this.decide(p);
      else this.emit(this.collectingView(p));
    });
  }

  /** The guard's allow/deny of a passage the kiosk decided `review` (spec §4: logged with the kiosk's). */
  guardReview(passageId: string, verdict: GuardVerdict, guard: string): Promise<{ ok: true; view: PassageView } | { ok: false; reason: Reason; message: string }> {
    return this.enqueue(async () => {
      const o = this.shown;
      if (!o || o.passageId !== passageId || !o.awaitingGuard) {
        return { ok: false as const, reason: 'BAD_REQUEST' as const, message: 'that passage is not waiting for a guard' };
      }
      const decision = verdict === 'allow' ? 'admit' : 'deny';
      const note = verdict === 'allow' ? 'GUARD_ALLOWED' : 'GUARD_DENIED';
      try {
        if (o.entryId === null) {
          // The kiosk's entry could not be written when it decided; write it now, so the guard's
          // verdict is never logged without the kiosk's decision it answers.
          const appended = this.deps.store.append(o.entry);
          o.entryId = appended.id;
          o.entrySeq = appended.seq;
          this.setStorage(true, null);
        }
        this.deps.store.addOverride({ entry: { id: o.entryId }, decision, guard, note, at: this.deps.clock.now() });
      } catch (err) {
        // The guard decides by hand whatever the disk says (the gate is theirs to open); the kiosk
        // records what it could not log, without personal data, and keeps refusing automatic admits.
        const reason = storageReason(err);
        this.setStorage(false, reason);
        this.log(`passage ${o.passageId}: guard ${verdict} could not be logged (${reason})`);
      }
      o.awaitingGuard = false;
      o.guardVerdict = verdict;
      this.log(`passage ${o.passageId}: guard ${verdict}${o.entrySeq !== null ? ` (entry ${o.entrySeq})` : ''}`);
      this.armReset(o, this.deps.settings.resetAfterMs);
      this.emit(this.shownView(o));
      if (verdict === 'allow') await this.pulse(o);
      return { ok: true as const, view: this.view() };
    });
  }

  // ---------------------------------------------------------------------------------------------

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => (this.closed ? Promise.reject(new Error('passage flow closed')) : fn()));
    // The queue survives a failed step: one bad input must not stall every later passage.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async onCredential(input: { code?: Passage['code']; card?: Passage['card'] }): Promise<PresentResult> {
    const now = this.deps.clock.now();
    const key = (input.code ?? input.card)!.key;
    this.pruneRecent(now);

    // Still part of the passage being collected (the camera sees the same code many times a second).
    const p = this.current;
    if (p && (p.code?.key === key || p.card?.key === key)) {
      this.recent.set(key, { at: now, passageId: p.id });
      return { ok: true, passageId: p.id, duplicate: true };
    }
    // Duplicate rule: the same code or card again within the duplicate window makes no second entry.
    // The window slides with every sighting: a code held up for a minute is one entry, not six.
    const seen = this.recent.get(key);
    if (seen && now - seen.at < this.deps.settings.duplicateWindowMs) {
      this.recent.set(key, { at: now, passageId: seen.passageId });
      return { ok: true, passageId: seen.passageId, duplicate: true };
    }
    const waiting = this.shown;
    if (waiting?.awaitingGuard) {
      // A review holds the lane until the guard answers or it times out: the next person must not
      // replace it unseen, nor be turned away unseen. Their presentation is held (not decided, not
      // remembered as a duplicate, so it is decided when presented again), logged once per code or
      // card, and the screen asks them to wait for the guard (docs/door-passage.md).
      if (!waiting.held.has(key)) {
        waiting.held.add(key);
        waiting.heldAt = now;
        const what = input.code ? `code (${input.code.source})` : 'card';
        this.log(`passage ${waiting.passageId}: awaiting guard; a ${what} presented meanwhile was held (${waiting.held.size} held)`);
        this.emit(this.shownView(waiting));
      }
      return { ok: true, passageId: waiting.passageId, duplicate: false, held: true };
    }

    let passage = this.current;
    // A second, different code (or card) cannot belong to the same person: decide what we have, then start afresh.
    if (passage && ((input.code && passage.code) || (input.card && passage.card))) {
      await this.decide(passage);
      passage = null;
    }
    if (!passage) passage = this.start(now);
    if (input.code) passage.code = input.code;
    if (input.card) passage.card = input.card;
    this.recent.set(key, { at: now, passageId: passage.id });

    if (this.isComplete(passage)) await this.decide(passage);
    else this.emit(this.collectingView(passage));
    return { ok: true, passageId: passage.id, duplicate: false };
  }

  private start(now: number): Passage {
    this.clearTimers();
    this.shown = null;
    // Rules saved during the previous passage apply from this one (see reconfigure).
    this.applyPendingConfig();
    const p: Passage = {
      id: randomBytes(8).toString('hex'),
      startedAt: now,
      deadline: now + this.deps.settings.collectWindowMs,
      code: null,
      card: null,
      temperatureC: this.currentTemperature,
    };
    this.current = p;
    this.collectTimer = this.deps.clock.setTimer(this.deps.settings.collectWindowMs, () => {
      this.collectTimer = null;
      void this.enqueue(async () => {
        // The window closed: decide on what was presented (code and/or card always, by construction).
        if (this.current === p) await this.decide(p);
      });
    });
    return p;
  }

  /** What the passage still waits for (the screen names it); order: what the person can do first. */
  private missingOf(p: Passage): MissingInput[] {
    const s = this.deps.settings;
    const missing: MissingInput[] = [];
    if (p.temperatureC === null && this.deps.temperatureExpected()) missing.push('temperature');
    if (p.code && !p.card && s.waitForCardWithCode) missing.push('card');
    if (p.card && !p.code && s.waitForCodeWithCard) missing.push('code');
    return missing;
  }

  /** Everything expected is in: decide now, no need to wait out the window. */
  private isComplete(p: Passage): boolean {
    return (p.code !== null || p.card !== null) && this.missingOf(p).length === 0;
  }

  /** Decides, logs durably, and only then shows and opens the gate. */
  private async decide(p: Passage): Promise<void> {
    if (this.current === p) this.current = null;
    if (this.collectTimer !== null) {
      this.deps.clock.clearTimer(this.collectTimer);
      this.collectTimer = null;
    }
    const o = this.evaluate(p);
    // The reading belonged to this person; the next one must be measured afresh.
    if (p.temperatureC !== null) this.currentTemperature = null;
    // `decided`: the decision exists but is not yet logged; the screen shows nothing final yet.
    this.emit({ ...this.shownView(o), state: 'decided', entryId: null, awaitingGuard: false });

    try {
      const appended = this.deps.store.append(o.entry);
      o.entrySeq = appended.seq;
      o.entryId = appended.id;
      this.setStorage(true, null);
    } catch (err) {
      const reason = storageReason(err);
      this.setStorage(false, reason);
      // If logging is unavailable, nothing is admitted automatically. An admit (or a
      // review) waits for the guard with the storage reason; a deny stays a deny, since keeping the
      // gate shut needs no record to be safe.
      if (o.decision !== 'deny') {
        o.decision = 'review';
        o.reason = reason;
        o.reasons = [reason, ...o.reasons.filter((r) => r !== reason)];
        // If the guard's verdict is written later, the entry says what really happened: a review
        // forced by storage, not an automatic admit that never took place.
        o.entry = { ...o.entry, decision: 'review', reason };
      }
      this.log(`passage ${o.passageId}: entry not written (${reason}); kiosk decision ${o.kioskDecision}, shown ${o.decision}`);
    }
    o.awaitingGuard = o.decision === 'review';
    this.shown = o;
    const resetMs = o.awaitingGuard ? this.deps.settings.reviewTimeoutMs : this.deps.settings.resetAfterMs;
    this.log(`passage ${o.passageId}: ${o.method} ${o.decision}${o.reasons.length ? ` ${o.reasons.join('+')}` : ''}${o.entrySeq !== null ? ` (entry ${o.entrySeq})` : ''}`);
    if (resetMs !== null) this.armReset(o, resetMs);
    this.emit(this.shownView(o));
    // The gate opens only for an admit whose entry is committed (the append above returned).
    if (o.decision === 'admit' && o.entrySeq !== null) await this.pulse(o);
  }

  private evaluate(p: Passage): Outcome {
    const { policy, lists } = this.deps;
    const nowMs = this.deps.clock.now();
    const now = Math.floor(nowMs / 1000);
    const method = p.code && p.card ? 'both' : p.code ? 'code' : 'card';
    const temperatureC = p.temperatureC;
    let decision: Decision;
    let reason: Reason | null;
    let reasons: Reason[];
    const thermometerFitted = (this.deps.thermometerFitted ?? this.deps.temperatureExpected)();
    let trustListStale = false;
    let dcc: PassageView['dcc'] = null;
    let holder: { name: string | null; docType: string | null; id: string | null; iss: string | null; colour: StatusColour | null; cti: string | null };

    if (p.code && p.code.text.startsWith(HC1_PREFIX)) {
      // An EU DCC (docs/dcc-trust.md, "At the door"): its own verifier, list and venue rules.
      const r = evaluateDcc({ text: p.code.text, dscList: this.deps.dscList ?? null, policy, card: p.card, temperatureC, thermometerFitted, now });
      decision = r.decision;
      reason = r.reason;
      reasons = r.reasons;
      holder = { ...r.holder, colour: null };
      // What the guard is shown in place of a province: the kind of certificate and where from.
      const c = r.verification.certificate;
      if (c) dcc = { type: c.type, country: /^[A-Z]{2}$/.test(c.issuerCountry) ? c.issuerCountry : null };
    } else if (p.code) {
      const trustList = lists.trustList;
      const verification: VerifyResult = verifyCode(p.code.text, { trustList, now, skewSeconds: policy.clockSkewSeconds });
      const r = decideForCode({ verification, trustList, policy, card: p.card ? { id: p.card.idNumber } : null, temperatureC, thermometerFitted, now });
      decision = r.decision;
      reason = r.reason;
      reasons = r.reasons;
      trustListStale = r.trustListStale;
      const hc = verification.claims?.hc;
      // An inauthentic code names nobody we can trust; the card, when read, names the holder.
      holder = hc
        ? { name: hc.nm, docType: hc.dt, id: hc.id, iss: verification.claims!.iss, colour: colourOf(hc.st), cti: ctiHex(verification.claims!.cti) }
        : { name: p.card?.name ?? null, docType: p.card?.docType ?? null, id: p.card?.idNumber ?? null, iss: null, colour: null, cti: null };
    } else {
      const card = p.card!;
      const statusList = lists.statusList;
      const r = decideForCard({ card: { id: card.idNumber }, statusList, policy, temperatureC, thermometerFitted, now });
      decision = r.decision;
      reason = r.reason;
      reasons = r.reasons;
      // Absent from a fresh list means green as of its `issued` (spec §3).
      const colour: StatusColour | null = r.listed
        ? colourOf(r.listed.st)
        : statusList && !reasons.includes('STATUS_LIST_MISSING') && !reasons.includes('STATUS_LIST_STALE')
          ? 'green'
          : null;
      holder = { name: card.name, docType: card.docType, id: card.idNumber, iss: null, colour, cti: null };
    }

    // Optional anti-passback: the same person admitted within X minutes → review. A person is their
    // document number; an EU DCC has none, so it is the certificate (code_id, the hash of its UVCI):
    // the credential handed back over the barrier is the same certificate (docs/dcc-trust.md,
    // "Anti-passback").
    const minutes = this.deps.settings.antiPassbackMinutes;
    const dccKey = p.code?.text.startsWith(HC1_PREFIX) ? holder.cti : null;
    if (decision === 'admit' && minutes !== null && (holder.id || dccKey)) {
      try {
        const since = nowMs - minutes * 60_000;
        const store = this.deps.store;
        if ((holder.id ? store.lastAdmittedSince(holder.id, since) : null) !== null || (dccKey ? store.lastAdmittedCodeSince(dccKey, since) : null) !== null) {
          decision = 'review';
          reason = 'ANTI_PASSBACK';
          reasons = ['ANTI_PASSBACK'];
        }
      } catch (err) {
        // Cannot tell whether they already went in: a guard decides.
        decision = 'review';
        reason = storageReason(err);
        reasons = [reason];
      }
    }

    const entry: NewEntry = {
      at: nowMs,
      venueId: this.deps.venueId,
      kioskId: this.deps.kioskId,
      method,
      holderName: holder.name ? holder.name.slice(0, 200) : null,
      documentType: holder.docType ? holder.docType.slice(0, 16) : null,
      documentNumber: holder.id ? holder.id.slice(0, 64) : null,
      codeId: holder.cti,
      codeIssuer: holder.iss,
      statusColour: holder.colour,
      temperatureC: temperatureC !== null && temperatureC >= -50 && temperatureC <= 80 ? temperatureC : null,
      decision,
      reason,
      trustListSeq: p.code && !p.code.text.startsWith(HC1_PREFIX) ? (lists.trustList?.seq ?? null) : null,
    };
    return {
      passageId: p.id,
      method,
      decision,
      reason,
      reasons,
      kioskDecision: decision,
      trustListStale,
      maskedName: holder.name ? maskName(holder.name).slice(0, 64) : null,
      maskedDocumentNumber: holder.id ? maskDocumentNumber(holder.id, holder.docType).slice(0, 64) : null,
      provinceCode: holder.iss && /^\d{6}$/.test(holder.iss) ? holder.iss : null,
      dcc,
      temperatureC: viewTemperature(temperatureC),
      entry,
      entrySeq: null,
      entryId: null,
      awaitingGuard: false,
      guardVerdict: null,
      collected: { code: p.code !== null, card: p.card !== null, temperature: temperatureC !== null },
      resetAt: null,
      held: new Set(),
      heldAt: null,
    };
  }

  private async pulse(o: Outcome): Promise<void> {
    let result: GatePulseResult;
    try {
      result = await this.deps.pulseGate();
    } catch {
      result = { ok: false, reason: 'GATE_UNAVAILABLE' };
    }
    if (!result.ok) this.log(`passage ${o.passageId}: gate did not open (${result.reason}); the guard must open it`);
  }

  private armReset(o: Outcome, ms: number): void {
    if (this.resetTimer !== null) this.deps.clock.clearTimer(this.resetTimer);
    o.resetAt = this.deps.clock.now() + ms;
    this.resetTimer = this.deps.clock.setTimer(ms, () => {
      this.resetTimer = null;
      void this.enqueue(async () => {
        if (this.current) return; // a new passage already took the screen
        if (this.shown?.awaitingGuard) {
          const held = this.shown.held.size;
          this.log(`passage ${this.shown.passageId}: review timed out unanswered${held ? ` (${held} presentation(s) held meanwhile)` : ''}`);
        }
        this.shown = null;
        this.emit(this.idleView());
      });
    });
  }

  private clearTimers(): void {
    for (const t of [this.collectTimer, this.resetTimer]) if (t !== null) this.deps.clock.clearTimer(t);
    this.collectTimer = null;
    this.resetTimer = null;
  }

  private pruneRecent(now: number): void {
    const keep = this.deps.settings.duplicateWindowMs;
    for (const [k, v] of this.recent) if (now - v.at >= keep) this.recent.delete(k);
  }

  private setStorage(writable: boolean, reason: Reason | null): void {
    if (writable === this.storageWritable) return;
    this.storageWritable = writable;
    this.deps.onStorage?.({ writable, reason });
  }

  private log(line: string): void {
    this.deps.log?.(line);
  }

  private emit(view: PassageView): void {
    this.lastView = view;
    this.deps.onView(view);
  }

  private countdowns(v: PassageView): Pick<PassageView, 'at' | 'resetInMs' | 'collectInMs'> {
    const now = this.deps.clock.now();
    const elapsed = Math.max(0, now - v.at);
    return {
      at: now,
      resetInMs: v.resetInMs === null ? null : Math.max(0, v.resetInMs - elapsed),
      collectInMs: v.collectInMs === null ? null : Math.max(0, v.collectInMs - elapsed),
    };
  }

  private idleView(): PassageView {
    return { ...IDLE_PASSAGE, at: this.deps.clock.now() };
  }

  private collectingView(p: Passage): PassageView {
    const now = this.deps.clock.now();
    return {
      ...this.idleView(),
      passageId: p.id,
      state: 'collecting',
      collected: { code: p.code !== null, card: p.card !== null, temperature: p.temperatureC !== null },
      missing: this.missingOf(p),
      method: p.code && p.card ? 'both' : p.code ? 'code' : 'card',
      temperatureC: viewTemperature(p.temperatureC),
      collectInMs: Math.max(0, p.deadline - now),
      at: now,
    };
  }

  private shownView(o: Outcome): PassageView {
    const now = this.deps.clock.now();
    return {
      passageId: o.passageId,
      state: 'shown',
      collected: o.collected,
      missing: [],
      method: o.method,
      decision: o.decision,
      reason: o.reason,
      reasons: o.reasons.slice(0, 16),
      guardVerdict: o.guardVerdict,
      awaitingGuard: o.awaitingGuard,
      maskedName: o.maskedName,
      maskedDocumentNumber: o.maskedDocumentNumber,
      provinceCode: o.provinceCode,
      dcc: o.dcc,
      temperatureC: o.temperatureC,
      trustListStale: o.trustListStale,
      resetInMs: o.resetAt === null ? null : Math.max(0, o.resetAt - now),
      collectInMs: null,
      entryId: o.entrySeq,
      heldAttempts: o.held.size,
      heldAt: o.heldAt,
      at: now,
    };
  }
}

/** What a failed store call means for the passage: full, or otherwise unavailable (never a crash). */
export function storageReason(err: unknown): 'STORAGE_FULL' | 'STORAGE_UNAVAILABLE' | 'INTERNAL' {
  if (err instanceof StoreError) {
    if (err.reason === 'STORAGE_FULL') return 'STORAGE_FULL';
    if (err.reason === 'STORAGE_UNAVAILABLE') return 'STORAGE_UNAVAILABLE';
    // BAD_REQUEST: the entry broke a schema rule, a kiosk fault rather than the disk's.
    return 'INTERNAL';
  }
  return 'STORAGE_UNAVAILABLE';
}
