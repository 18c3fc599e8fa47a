// The integrator's devices screen (docs/integrator-setup.md, "Devices" and "Thermometer
// calibration"): the serial ports present, each device's settings and health, a test that does the
// real thing, and the live frame log. A device change is proven by the device manager before it is
// saved (native-bridge/README.md, "Applying a device change"): the previous working settings keep
// running until the new ones answer, the other devices never stop, and so neither does the door.
// Personal data never leaves here unmasked: a test's card is masked, a scan shown by its length and
// first characters; the frame log carries none by design (src/core/devices/types.ts FrameLogEntry).
import { fail, ok, type DeviceTestOutcome, type FrameLogEntryView, type KioskService, type MethodResponse } from '../../contract/api.js';
import { configProblemsOf } from '../../contract/config.js';
import type { DeviceReason } from '../../contract/reasons.js';
import { maskDocumentNumber, maskName } from '../codes/id-number.js';
import { ConfigConflictError, ConfigError, updateConfig, type KioskConfig } from '../config/config.js';
import { GateConfigSchema, IdCardConfigSchema, ScannerConfigSchema, ThermometerConfigSchema } from '../devices/config.js';
import { DEVICE_KINDS, type DeviceKind, type DeviceTestResult, type FrameLogEntry, type TemperatureReading } from '../devices/types.js';
import type { AdminDeps } from './deps.js';
import { INTEGRATOR } from './sessions.js';

export const DEVICE_AUDIT = {
  /** A device change proven and saved: `detail` has by, device, revision, the paths changed (never a value). */
  applied: 'device-applied',
  /** A device change the device refused: by, device, reason. The previous settings kept running. */
  refused: 'device-refused',
  /** The thermometer's calibration saved: by, offsetC and gain before and after (not personal data). */
  calibrated: 'thermometer-calibrated',
} as const;

/** Frames core keeps for the screen's polls (four a second: a streaming thermometer fills ~10 a second). */
export const FRAME_KEEP = 600;
/** How long a device change may take to prove itself (a polled thermometer answers within one poll). */
export const PROVE_WITHIN_MS = 3000;
const MAX_PAGE = 200;

type FrameWithSeq = FrameLogEntryView;
type Settings = Record<string, unknown> | null;

const SCHEMA = { idcard: IdCardConfigSchema, thermometer: ThermometerConfigSchema, scanner: ScannerConfigSchema, gate: GateConfigSchema } as const;


/** Strings as the contract caps them (a bridge that says more is cut, never refused). */
const cap = (s: string | null | undefined, n: number): string | null => (s === null || s === undefined ? null : s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Text safe to show: control characters as `?` (a scan's first characters). */
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');

function settingsOf(config: KioskConfig, kind: DeviceKind): Settings {
  const value = (config.devices as Record<DeviceKind, unknown>)[kind];
  return (value ?? null) as Settings;
}

/** The leaf paths whose values differ between two settings objects (for the audit: paths, never values). */
function changedKeys(a: unknown, b: unknown, prefix: string): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().flatMap((k) => changedKeys(a[k], b[k], `${prefix}.${k}`));
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

/** A device test's result as the screen may see it: the card masked, the scan by length and first characters. */
export function testOutcome(r: DeviceTestResult): DeviceTestOutcome {
  if (!r.ok) return { passed: false, device: r.device, reason: r.reason, message: cap(r.message, 300)! };
  switch (r.device) {
    case 'idcard': {
      const name = r.card.name || r.card.nameEn || '';
      const card = { maskedName: maskName(name).slice(0, 64), maskedDocumentNumber: maskDocumentNumber(r.card.idNumber, r.card.docType).slice(0, 64), docType: r.card.docType };
      return { passed: true, device: 'idcard', summary: `card read: ${card.docType} ${card.maskedDocumentNumber}`, card };
    }
    case 'thermometer': {
      const reading = readingView(r.reading);
      const summary = reading.valid
        ? `${reading.celsius?.toFixed(2)} °C (raw ${reading.rawCelsius?.toFixed(2)} °C)`
        : `reading out of range (${reading.reason}); raw ${reading.rawCelsius === null ? 'none' : `${reading.rawCelsius.toFixed(2)} °C`}`;
      return { passed: true, device: 'thermometer', summary, reading };
    }
    case 'scanner': {
      // A health code carries a name and a document number: only its length and first characters.
      const scan = { length: r.text.length, preview: printable(r.text.slice(0, 8)) };
      return { passed: true, device: 'scanner', summary: `code scanned: ${scan.length} characters, starting ${JSON.stringify(scan.preview)}`, scan };
    }
    case 'gate':
      return {
        passed: true,
        device: 'gate',
        summary: r.pulse.driver === 'none' ? 'no gate relay fitted: nothing to pulse' : `relay ${r.pulse.relay} pulsed for ${r.pulse.ms} ms`,
        pulse: { driver: r.pulse.driver, relay: r.pulse.relay, ms: r.pulse.ms },
      };
  }
}

function readingView(reading: TemperatureReading): { valid: boolean; rawCelsius: number | null; celsius: number | null; reason: DeviceReason | null } {
  return reading.valid
    ? { valid: true, rawCelsius: reading.rawCelsius, celsius: reading.celsius, reason: null }
    : { valid: false, rawCelsius: reading.rawCelsius, celsius: reading.celsius ?? null, reason: reading.reason };
}

export interface DeviceSetupMethods {
  methods: Pick<KioskService, 'getDeviceSetup' | 'applyDeviceSettings' | 'testDevice' | 'getFrameLog'>;
  close(): void;
}

export function deviceMethods(deps: AdminDeps): DeviceSetupMethods {
  const hub = deps.devices ?? null;
  const settable = hub !== null && typeof hub.applyDevice === 'function' && typeof hub.deviceSettings === 'function';

  // The frame log is polled by the screen (getFrameLog every 250 ms) rather than pushed as events:
  // events go to every screen, the guard's too, and a streaming thermometer would send frames to it
  // all day whether or not anyone looks; a poll costs nothing when the panel is closed. Core numbers
  // the frames so a poll asks only for what it has not seen.
  const frames: FrameWithSeq[] = [];
  let nextSeq = 0;
  const keep = (entry: FrameLogEntry) => {
    frames.push({
      seq: nextSeq++,
      at: entry.at,
      device: entry.device,
      dir: entry.dir,
      hex: cap(entry.hex, 400) ?? '',
      meaning: cap(entry.meaning, 200) ?? '',
      error: entry.error,
    });
    if (frames.length > FRAME_KEEP) frames.splice(0, frames.length - FRAME_KEEP);
  };
  for (const f of hub?.recentFrames?.(undefined, FRAME_KEEP) ?? []) keep(f);
  const offFrames = hub?.onFrame?.(keep) ?? (() => {});
  // The calibration box shows the thermometer's last reading live, raw and corrected.
  let lastReading: MethodResponse<'getFrameLog'>['lastReading'] = null;
  const offEvents =
    hub?.onEvent((e) => {
      if (e.type === 'temperature') lastReading = { at: e.at, ...readingView(e.reading) };
    }) ?? (() => {});

  // A device change saved as config.json `devices` is in force at once (the manager already runs it):
  // registered so a save is not reported as needing a restart. A hand edit of config.json's devices
  // is proven and applied in the background; refused, the running settings stay and the log says why.
  if (settable) {
    deps.liveConfig.register({
      paths: ['devices'],
      apply(next, prev) {
        for (const kind of DEVICE_KINDS) {
          const wanted = settingsOf(next, kind);
          if (JSON.stringify(wanted) === JSON.stringify(settingsOf(prev, kind))) continue;
          if (JSON.stringify(wanted) === JSON.stringify(hub.deviceSettings!()[kind])) continue;
          void hub.applyDevice!(kind, wanted, { proveWithinMs: PROVE_WITHIN_MS }).then(
            (r) => deps.log(r.ok ? `device ${kind}: configuration applied (${r.proven})` : `device ${kind}: configuration not applied (${r.reason}: ${r.message}); the previous settings keep running`),
            (err: Error) => deps.log(`device ${kind}: configuration not applied (${err.name})`),
          );
        }
      },
    });
  }

  const unavailable = () => fail('DEVICE_UNAVAILABLE', 'this kiosk has no device manager: serial devices cannot be set up from the screen');

  const methods: DeviceSetupMethods['methods'] = {
    async getDeviceSetup(request, context) {
      const held = deps.sessions.require(request.session, context, 'device-setup', INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const config = deps.liveConfig.config;
      if (!hub) {
        return ok({
          available: false,
          unavailableWhy: 'no serial devices configured and no device manager running on this kiosk (camera only)',
          ports: [],
          portsProblem: null,
          devices: [],
          revision: deps.liveConfig.revision,
          simulated: false,
        });
      }
      const listed = hub.listPorts ? await hub.listPorts() : { ports: [], problem: 'this device manager cannot list ports' };
      const running = hub.deviceSettings?.() ?? null;
      const health = hub.health();
      return ok({
        available: settable,
        unavailableWhy: settable ? null : 'this device manager cannot change devices while it runs',
        ports: listed.ports.slice(0, 64).map((p) => ({
          path: cap(p.path, 200)!,
          ...(p.vendorId ? { vendorId: cap(p.vendorId, 16)! } : {}),
          ...(p.productId ? { productId: cap(p.productId, 16)! } : {}),
          ...(p.manufacturer ? { manufacturer: cap(p.manufacturer, 100)! } : {}),
          ...(p.serialNumber ? { serialNumber: cap(p.serialNumber, 100)! } : {}),
        })),
        portsProblem: cap(listed.problem ?? (listed.ports.length === 0 ? 'no ports found' : null), 300),
        devices: DEVICE_KINDS.map((device) => {
          const h = health.find((x) => x.device === device);
          return {
            device,
            running: running ? ((running[device] ?? null) as Settings) : settingsOf(config, device),
            saved: settingsOf(config, device),
            health: {
              configured: h?.configured ?? false,
              connected: h?.connected ?? false,
              port: cap(h?.port ?? null, 200),
              lastGoodFrameAt: h?.lastGoodFrameAt ?? null,
              lastError: h?.lastError ?? null,
              fault: h?.fault ?? null,
              detail: cap(h?.detail ?? null, 200),
            },
          };
        }),
        revision: deps.liveConfig.revision,
        simulated: deps.simulatedDevices ?? false,
      });
    },

    async applyDeviceSettings(request, context) {
      const what = request.purpose === 'calibration' ? 'thermometer-calibration' : `device-apply:${request.device}`;
      const held = deps.sessions.require(request.session, context, what, INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      if (!settable) return unavailable();
      if (deps.configDir === null) return fail('BAD_REQUEST', 'this kiosk runs without a configuration file: a device change could not be kept');
      const kind = request.device;
      const live = deps.liveConfig;
      // Refused before any port is touched: a change made on an old reading would undo someone's save.
      if (request.baseRevision !== live.revision) {
        return fail('BAD_REQUEST', `the configuration changed since it was read (revision ${request.baseRevision}, now ${live.revision}): reload and apply again`);
      }
      if (request.purpose === 'calibration' && kind !== 'thermometer') return fail('BAD_REQUEST', 'calibration is the thermometer\'s');
      // The device's own schema, with the path of each mistake (an unknown protocol, a baud of 0).
      if (request.settings !== null) {
        const parsed = SCHEMA[kind].safeParse(request.settings);
        if (!parsed.success) {
          const problems = configProblemsOf(parsed.error).map((p) => `devices.${kind}${p.path ? `.${p.path}` : ''}: ${p.message}`);
          return fail('CONFIG_INVALID', problems.join('; ').slice(0, 500));
        }
      }
      const before = hub.deviceSettings!()[kind] as Settings;
      let r;
      try {
        r = await hub.applyDevice!(kind, request.settings, { proveWithinMs: PROVE_WITHIN_MS });
      } catch (err) {
        return fail('INTERNAL', `the device change failed (${(err as Error).name}); the previous settings keep running`);
      }
      if (!r.ok) {
        try {
          deps.store.audit(DEVICE_AUDIT.refused, { by: held.session.by, device: kind, reason: r.reason }, deps.clock.now());
        } catch {
          // The refusal is answered anyway: nothing changed.
        }
        deps.log(`device ${kind}: change refused (${r.reason}: ${r.message}); the previous settings keep running`);
        if (r.reason === 'CONFIG_INVALID') return fail('CONFIG_INVALID', r.message.slice(0, 500));
        return ok({ applied: false, reason: r.reason, message: cap(r.message, 300)!, running: before });
      }
      let saved: KioskConfig;
      try {
        saved = updateConfig(deps.configDir, [{ path: `devices.${kind}`, value: request.settings }], { baseRevision: request.baseRevision });
      } catch (err) {
        // Running but not kept: put the previous settings back, so what runs is what a restart runs.
        await hub.applyDevice!(kind, before, { proveWithinMs: PROVE_WITHIN_MS }).catch(() => undefined);
        if (err instanceof ConfigConflictError) return fail('BAD_REQUEST', err.message.slice(0, 500));
        if (err instanceof ConfigError) return fail('CONFIG_INVALID', err.problems.map((p) => `${p.path}: ${p.message}`).join('; ').slice(0, 500));
        return fail('STORAGE_UNAVAILABLE', `the device change could not be saved (${(err as Error).name}); the previous settings run again`);
      }
      const prevConfig = live.config;
      const outcome = live.apply(saved);
      const paths = changedKeys(settingsOf(prevConfig, kind), settingsOf(saved, kind), `devices.${kind}`).slice(0, 64);
      try {
        deps.store.audit(DEVICE_AUDIT.applied, { by: held.session.by, device: kind, revision: outcome.revision, paths }, deps.clock.now());
        if (request.purpose === 'calibration') {
          const num = (s: Settings, k: string, d: number) => (s && typeof s[k] === 'number' ? (s[k] as number) : d);
          const after = hub.deviceSettings!().thermometer as Settings;
          deps.store.audit(
            DEVICE_AUDIT.calibrated,
            { by: held.session.by, offsetC: { from: num(before, 'offsetC', 0), to: num(after, 'offsetC', 0) }, gain: { from: num(before, 'gain', 1), to: num(after, 'gain', 1) } },
            deps.clock.now(),
          );
        }
      } catch (err) {
        deps.log(`device ${kind} change (revision ${outcome.revision}) not audited: ${(err as Error).name}`);
      }
      deps.log(`device ${kind}: settings proven and saved as revision ${outcome.revision} by ${held.session.by} (${r.proven})`);
      return ok({ applied: true, proven: cap(r.proven, 300)!, revision: outcome.revision });
    },

    async testDevice(request, context) {
      const held = deps.sessions.require(request.session, context, `device-test:${request.device}`, INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      if (!hub?.testDevice) return unavailable();
      try {
        const r = await hub.testDevice(request.device, {
          timeoutMs: request.timeoutMs,
          ...(request.relay !== undefined ? { relay: request.relay } : {}),
          ...(request.ms !== undefined ? { ms: request.ms } : {}),
        });
        return ok(testOutcome(r));
      } catch (err) {
        return fail('INTERNAL', `the ${request.device} test failed (${(err as Error).name})`);
      }
    },

    async getFrameLog(request, context) {
      // Polled four times a second while the panel is open: checked like every admin call, but not
      // an action (no audit row) and not input (the idle timer is not refreshed).
      const held = deps.sessions.observe(request.session, context, 'frame-log', INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const after = frames.filter((f) => f.seq > request.after && (request.device === undefined || f.device === request.device));
      const page = after.slice(Math.max(0, after.length - MAX_PAGE));
      // Frames the ring no longer holds (the screen fell behind) plus those left off this page.
      const lost = request.after >= 0 && frames.length > 0 && frames[0]!.seq > request.after + 1 ? frames[0]!.seq - request.after - 1 : 0;
      return ok({ frames: page, last: nextSeq - 1, skipped: lost + (after.length - page.length), lastReading });
    },
  };

  return {
    methods,
    close() {
      offFrames();
      offEvents();
    },
  };
}
