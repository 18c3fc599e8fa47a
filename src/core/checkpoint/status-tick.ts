// The status tick: what the status bar shows changes with time alone, not only when something
// happens. A trust list passes its nextUpdate (health-code spec §2: stale; past the venue's maximum
// age: expired) on a kiosk that is offline and hears nothing; a device may go quiet without an event;
// the store may turn read-only on a write the passage flow did not make. Without a tick an offline
// kiosk's bar would say "fresh" for ever. So core looks every `everyMs` on the injected clock and
// pushes `lists`, `storage` and `devices` when they differ from what it last pushed, and `clock` when
// its warning flips or once per `clockEveryMs` (architecture.md: the screens only show what core says).
// `connectivity` too: the uploads pending grow with every entry, and a kiosk with no collector has
// no upload callback to say so, so without the tick its bar would keep the count it started with
// while the admin console's figure (same source, read later) moved on (docs/admin-console.md, "Today").
import type { ClockStatus, Connectivity, DeviceHealth, KioskEvent, ListStatus, StorageStatus } from '../../contract/api.js';
import type { Clock } from './clock.js';

export interface StatusSources {
  /** `dscList` only where the venue accepts foreign credentials (docs/dcc-trust.md): it turns stale on this tick too. */
  lists(): { trustList: ListStatus; statusList: ListStatus; dscList?: ListStatus };
  clock(): ClockStatus;
  storage(): StorageStatus;
  devices(): DeviceHealth[];
  connectivity?(): Connectivity;
}

export interface StatusTickOptions {
  /** How often to look; the freshness boundary is seen within this. */
  everyMs?: number;
  /** A `clock` event at least this often, so a screen can compare its clock with core's. */
  clockEveryMs?: number;
}

export const STATUS_TICK_MS = 1000;
export const CLOCK_EVENT_EVERY_MS = 60_000;

export interface StatusTick {
  /** An event core pushed by another path (a device event, an upload callback): not pushed again. */
  noteEmitted(event: KioskEvent): void;
  stop(): void;
}

/**
 * Starts the tick. The first look only records what the screens already got from `getStatus`;
 * events follow changes from then on.
 */
export function startStatusTick(clock: Clock, sources: StatusSources, emit: (event: KioskEvent) => void, options: StatusTickOptions = {}): StatusTick {
  const everyMs = options.everyMs ?? STATUS_TICK_MS;
  const clockEveryMs = options.clockEveryMs ?? CLOCK_EVENT_EVERY_MS;
  let lastLists = JSON.stringify(sources.lists());
  let lastStorage = JSON.stringify(sources.storage());
  let lastDevices = JSON.stringify(sources.devices());
  let lastClock = sources.clock();
  let lastConnectivity = sources.connectivity ? JSON.stringify(sources.connectivity()) : '';
  let timer: unknown = null;
  let stopped = false;

  const look = () => {
    const lists = sources.lists();
    const listsKey = JSON.stringify(lists);
    if (listsKey !== lastLists) {
      lastLists = listsKey;
      emit({ type: 'lists', ...lists });
    }
    const storage = sources.storage();
    const storageKey = JSON.stringify(storage);
    if (storageKey !== lastStorage) {
      lastStorage = storageKey;
      emit({ type: 'storage', storage });
    }
    const devices = sources.devices();
    const devicesKey = JSON.stringify(devices);
    if (devicesKey !== lastDevices) {
      lastDevices = devicesKey;
      emit({ type: 'devices', devices });
    }
    if (sources.connectivity) {
      const connectivity = sources.connectivity();
      const connectivityKey = JSON.stringify(connectivity);
      if (connectivityKey !== lastConnectivity) {
        lastConnectivity = connectivityKey;
        emit({ type: 'connectivity', connectivity });
      }
    }
    const now = clock.now();
    const clockStatus = sources.clock();
    if (clockStatus.warning !== lastClock.warning || now - lastClock.now >= clockEveryMs || now < lastClock.now) {
      lastClock = clockStatus;
      emit({ type: 'clock', clock: clockStatus });
    }
  };

  const arm = () => {
    timer = clock.setTimer(everyMs, () => {
      timer = null;
      if (stopped) return;
      try {
        look();
      } catch {
        // A source that throws (a closed store) must not stop the tick: the next look tries again.
      }
      arm();
    });
  };
  arm();

  return {
    noteEmitted(event) {
      if (event.type === 'lists') lastLists = JSON.stringify({ trustList: event.trustList, statusList: event.statusList });
      else if (event.type === 'storage') lastStorage = JSON.stringify(event.storage);
      else if (event.type === 'devices') lastDevices = JSON.stringify(event.devices);
      else if (event.type === 'clock') lastClock = event.clock;
      else if (event.type === 'connectivity') lastConnectivity = JSON.stringify(event.connectivity);
    },
    stop() {
      stopped = true;
      if (timer !== null) clock.clearTimer(timer);
      timer = null;
    },
  };
}
