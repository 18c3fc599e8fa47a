// What the entry log stores and returns (architecture.md "Data at rest").
import { z } from 'zod';
import { ALL_REASONS, type Decision, type Reason } from '../../contract/reasons.js';

export type EntryMethod = 'code' | 'card' | 'both';
export type StatusColour = 'green' | 'yellow' | 'red';

const reasonSchema = z.enum(ALL_REASONS as [Reason, ...Reason[]]);
const text = (max: number) => z.string().min(1).max(max);

/** One passage as the checkpoint hands it to the store. Validated on append: bad input is BAD_REQUEST. */
export const newEntrySchema = z
  .object({
    /** When the decision was made (UTC ms or Date); defaults to now. */
    at: z.union([z.number().int().nonnegative(), z.date()]).optional(),
    venueId: text(64),
    kioskId: text(64),
    method: z.enum(['code', 'card', 'both']),
    holderName: text(200).nullable(),
    documentType: text(16).nullable(),
    documentNumber: text(64).nullable(),
    /** Code id (`cti`), hex. */
    codeId: z.string().regex(/^[0-9a-f]{1,64}$/i).nullable(),
    /** Issuing province (`iss`). */
    codeIssuer: text(16).nullable(),
    statusColour: z.enum(['green', 'yellow', 'red']).nullable(),
    temperatureC: z.number().finite().min(-50).max(80).nullable(),
    decision: z.enum(['admit', 'deny', 'review']),
    reason: reasonSchema.nullable(),
    trustListSeq: z.number().int().nonnegative().nullable(),
  })
  .strict();

export type NewEntry = z.input<typeof newEntrySchema>;

export interface AppendedEntry {
  id: string;
  seq: number;
  /** UTC ms. */
  at: number;
  /** Chain hash of the row, hex. */
  hash: string;
}

export interface NewOverride {
  /** The entry the guard decided on (its id or seq). */
  entry: { id: string } | { seq: number };
  decision: 'admit' | 'deny';
  /** Who overrode: guard id or name as the admin screen knows them. */
  guard: string;
  /** Why, as typed or chosen by the guard. */
  note: string;
  at?: number | Date;
}

export interface AppendedOverride {
  id: string;
  seq: number;
  entrySeq: number;
  at: number;
  hash: string;
}

export interface GuardOverride {
  decision: 'admit' | 'deny';
  guard: string;
  note: string;
  /** UTC ms. */
  at: number;
}

/** An entry as screens show it: name and document number masked. */
export interface MaskedEntry {
  seq: number;
  id: string;
  at: number;
  venueId: string;
  kioskId: string;
  method: EntryMethod;
  holderName: string | null;
  documentType: string | null;
  documentNumber: string | null;
  codeId: string | null;
  codeIssuer: string | null;
  statusColour: StatusColour | null;
  temperatureC: number | null;
  decision: Decision;
  reason: Reason | null;
  trustListSeq: number | null;
  override: GuardOverride | null;
}

/** Same shape with the name and document number in clear (admins, upload). */
export type RevealedEntry = MaskedEntry;

export interface OverrideRow {
  seq: number;
  id: string;
  entrySeq: number;
  entryId: string;
  at: number;
  decision: 'admit' | 'deny';
  guard: string;
  note: string;
}

export interface DayCounts {
  /** Start of the counted day (ISO, UTC). */
  from: string;
  to: string;
  total: number;
  byDecision: Record<Decision, number>;
  byReason: Record<string, number>;
  /** Guard overrides written for that day's entries, by the guard's decision. */
  overrides: { admit: number; deny: number };
}

export interface HourCount {
  /** Start of the hour (ISO, UTC). */
  hour: string;
  total: number;
  admit: number;
  deny: number;
  review: number;
}

/** What the collector has acknowledged (docs/upload-protocol.md §2 "Kiosk bookkeeping"). */
export interface UploadedThrough {
  /** Highest entry seq acknowledged (0: none). */
  entries: number;
  /** Highest guard-override seq acknowledged (0: none). */
  overrides: number;
  /** When the collector last acknowledged anything (ms), null if never. */
  lastAckAtMs: number | null;
}
