// The entry log when the kiosk's database cannot be opened at all (unreadable directory, a damaged
// file, a schema from a newer kiosk). The kiosk still starts and shows its screen, because a guard
// must be able to work the lane; every write fails with STORAGE_UNAVAILABLE, so the passage flow
// admits nobody automatically and every would-be admit waits for the guard.
import { StoreError, type StoreFailure } from '../store/errors.js';
import type { EntryStore, StorageState } from '../store/entry-store.js';
import type { DayCounts, MaskedEntry } from '../store/types.js';
import type { ServiceStore } from './service.js';

export class UnavailableStore implements ServiceStore {
  constructor(
    private readonly detail: StoreFailure,
    private readonly why: string,
  ) {}

  private refuse(): never {
    throw new StoreError('STORAGE_UNAVAILABLE', this.detail, `the entry log is unavailable: ${this.why}`);
  }

  storageState(): StorageState {
    return { writable: false, reason: 'STORAGE_UNAVAILABLE', detail: this.detail };
  }

  append(): ReturnType<EntryStore['append']> {
    return this.refuse();
  }

  addOverride(): ReturnType<EntryStore['addOverride']> {
    return this.refuse();
  }

  lastAdmittedSince(): number | null {
    return this.refuse();
  }

  lastAdmittedCodeSince(): number | null {
    return this.refuse();
  }

  lastEntries(): MaskedEntry[] {
    return [];
  }

  countsToday(): DayCounts {
    return this.refuse();
  }

  statistics(): ReturnType<EntryStore['statistics']> {
    return this.refuse();
  }

  audit(): void {
    return this.refuse();
  }

  auditOf(): ReturnType<EntryStore['auditOf']> {
    return this.refuse();
  }

  purgePlan(): ReturnType<EntryStore['purgePlan']> {
    return this.refuse();
  }

  auditPage(): ReturnType<EntryStore['auditPage']> {
    return this.refuse();
  }
}
